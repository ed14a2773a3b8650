#!/usr/bin/env python3
"""The API worker's figures (prints them, asserts nothing).

Under the supervisor with the engine, after a full replay at speed 0 has filled the journal:
- wrk (Debian's), 2 threads and 64 connections for BENCH_SECONDS, authenticated with a bearer
  access token: GET /api/v1/trading/status (a call through the engine's socket) and a 100-fill page
  of GET /api/v1/trading/fills (from the database), the same page again and again (the page cache) and
  a different page each request (a Lua script stepping the cursor): requests/s and wrk's p50/p99.
- WebSocket fan-out: BENCH_WS_CLIENTS clients (default 10,000, the issue's figure; the soft limit on
  file descriptors is raised to the hard one first)
  authenticate and subscribe to `status`; an operator pauses and resumes the engine BENCH_EVENTS
  times; each client records the arrival delay from the engine's sent_at: p50/p99 over all of
  them, and the API process's resident memory with every client connected. The clients are Python
  (asyncio) on the same 2 cores, so their own reading is part of the figure. Then the kernel's own
  floor for such a fan-out on loopback (`loopback_floor`), to read the figures against.
Goals from the issue: >= 10,000 req/s with p99 <= 5 ms; fan-out p99 <= 50 ms at 10,000 clients.
"""
import asyncio, json, os, re, resource, shutil, socket, subprocess, sys, tempfile, time, urllib.request

WARDEN = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "10000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "10"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, token=None, body=None, method=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method=method), timeout=30) as answer:
        return json.loads(answer.read())


def wait(what, condition, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def wrk(url, token, script=None, connections=64):
    extra = []
    if script:
        path = os.path.join(tempfile.mkdtemp(prefix="warden-wrk-"), "script.lua")
        with open(path, "w") as f:
            f.write(script)
        extra = ["-s", path]
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-H", f"Authorization: Bearer {token}", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, percentile(50), percentile(99), int(errors.group(1)) if errors else 0


async def fan_out(ws_url, token, api, operator):
    import websockets
    delays, ready = [], 0
    connected = asyncio.Event()

    async def client():
        nonlocal ready
        async with websockets.connect(ws_url, max_queue=None, open_timeout=120) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await ws.recv()
            await ws.send(json.dumps({"type": "subscribe", "topics": ["status"]}))
            await ws.recv()
            ready += 1
            if ready == CLIENTS:
                connected.set()
            seen = 0
            while seen < EVENTS:
                message = json.loads(await ws.recv())
                if message.get("type") == "event":
                    delays.append(time.time() * 1000 - message["sent_at"])
                    seen += 1

    tasks = []
    for _ in range(CLIENTS):
        tasks.append(asyncio.create_task(client()))
        await asyncio.sleep(0)
    await asyncio.wait_for(connected.wait(), 600)
    rss = resident(api)
    for index in range(EVENTS):
        path = "stop" if index % 2 == 0 else "start"
        await asyncio.to_thread(request, f"{operator}/trading/{path}", token, None, "POST")
        await asyncio.sleep(0.5)
    await asyncio.wait_for(asyncio.gather(*tasks), 600)
    return sorted(delays), rss


def loopback_floor(count):
    """What the kernel alone costs: one 204-byte frame written to `count` connected loopback TCP
    sockets from one thread (Python's own cost is about a microsecond a call), median of 5 rounds.
    On loopback the sender's core also runs the receiving side's TCP, so this is the floor of any
    server's fan-out on this machine, before its own work and its clients'."""
    listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(4096)
    port = listener.getsockname()[1]
    ends, rounds = [], []
    try:
        for _ in range(count):
            client = socket.create_connection(("127.0.0.1", port))
            server, _ = listener.accept()
            server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ends.append((client, server))
        frame = b"\x81\x7e\x00\xc8" + b"x" * 200
        for _ in range(5):
            started = time.perf_counter()
            for _, server in ends: server.send(frame)
            rounds.append((time.perf_counter() - started) * 1000)
            for client, _ in ends: client.recv(4096)
    finally:
        for client, server in ends: client.close(); server.close()
        listener.close()
    return sorted(rounds)[2]


def resident(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) * 1024


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    top = tempfile.mkdtemp(prefix="warden-api-bench-")
    api_port, sup_port = free_port(), free_port()
    config = os.path.join(top, "warden.yml")
    with open(config, "w") as f:
        f.write(f"supervisor: {{listen: 127.0.0.1:{sup_port}}}\nlogging: {{format: json, level: warning}}\n"
                f"engine:\n  market_data: {{file: {DATA}, speed: 0}}\n  exchange: {{starting_balance: 30000}}\n"
                "  strategies: [{name: cci}, {name: rsi_macd}, {name: bollinger}]\n"
                f"api:\n  listen: 127.0.0.1:{api_port}\n  rate_limits: {{rate: 1000000, burst: 1000000}}\n  ws_queue: 1024\n")
    common = ["--config", config, "--state-dir", os.path.join(top, "state"), "--runtime-dir", os.path.join(top, "run")]
    subprocess.run([WARDEN, "user", "add", "bench", "--role", "admin", *common], input="bench password 1\n", text=True, check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    supervisor = subprocess.Popen([WARDEN, "supervise", *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    api = f"http://127.0.0.1:{api_port}/api/v1"
    try:
        wait("the API", lambda: request(f"{api}/openapi.json"))
        token = request(f"{api}/auth/login", body={"username": "bench", "password": "bench password 1"})["access_token"]
        wait("the replay to finish", lambda: request(f"{api}/trading/status", token)["status"]["state"] == "finished", 600)
        fills = request(f"{api}/trading/fills?limit=100", token)["total"]
        print(f"API worker (release build), wrk -t2 {SECONDS}s (64 connections unless said), bearer access token, loopback:")
        # Every request a different page (cursor stepping through the history): no page cache helps.
        pages = ("n = 0\nrequest = function()\n  n = n + 1\n"
                 f"  return wrk.format('GET', '/api/v1/trading/fills?limit=100&cursor=' .. ((n * 37) % {max(1, fills - 100)}))\nend\n")
        # 64 connections keep wrk and the server saturating both cores: by Little's law the mean
        # latency is then 64 / rate (4.7 ms at 13,500 req/s), whatever the server does; 16 is
        # the same load offered by fewer clients, the latency a request itself sees.
        for name, url, script, connections in [("GET /trading/status", f"{api}/trading/status", None, 64),
                                               ("GET /trading/status, 16 connections", f"{api}/trading/status", None, 16),
                                               (f"GET /trading/fills 100 of {fills}, same page", f"{api}/trading/fills?limit=100", None, 64),
                                               (f"GET /trading/fills 100 of {fills}, same page, 16 connections", f"{api}/trading/fills?limit=100", None, 16),
                                               (f"GET /trading/fills 100 of {fills}, any page", f"{api}/trading/fills?limit=100", pages, 64),
                                               (f"GET /trading/fills 100 of {fills}, any page, 16 connections", f"{api}/trading/fills?limit=100", pages, 16)]:
            rate, p50, p99, errors = wrk(url, token, script, connections)
            print(f"  {name:58s} {rate:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  non-2xx {errors}  (goal >= 10,000 req/s, p99 <= 5 ms)")
        status = json.loads(subprocess.run([WARDEN, "ctl", "status", "--json", *common[4:]], capture_output=True, text=True).stdout)
        pid = next(c["pid"] for c in status["children"] if c["name"] == "api")
        idle = resident(pid)
        delays, rss = asyncio.run(fan_out(f"ws://127.0.0.1:{api_port}/api/v1/ws", token, pid, api))
        p = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
        print(f"WebSocket fan-out: {CLIENTS} clients x {EVENTS} status events = {len(delays)} deliveries")
        print(f"  engine send -> client  p50 {p(0.5):7.1f} ms  p99 {p(0.99):7.1f} ms  max {delays[-1]:7.1f} ms  (goal p99 <= 50 ms; Python clients on the same cores)")
        # The server's side alone: the engine's sent_at to each frame handed to its socket (the API's own histogram).
        with urllib.request.urlopen(f"http://127.0.0.1:{sup_port}/metrics", timeout=30) as answer:
            text = answer.read().decode()
        buckets = [(float(m.group(1)), float(m.group(2))) for m in re.finditer(r'^warden_api_ws_delivery_seconds_bucket\{[^}]*le="([^"+]+)"[^}]*\} (\S+)', text, re.M)]
        total = next((float(v) for v in re.findall(r"^warden_api_ws_delivery_seconds_count(?:\{[^}]*\})? (\S+)", text, re.M)), 0)
        def bound(q):
            return next((b for b, c in buckets if c >= q * total), float("inf")) * 1000
        if total:
            print(f"  engine send -> frame written (server side, histogram buckets): p50 <= {bound(0.5):g} ms, p99 <= {bound(0.99):g} ms over {total:.0f} frames")
        print(f"  API resident memory    {idle / 2**20:7.1f} MiB idle, {rss / 2**20:7.1f} MiB with {CLIENTS} clients ({(rss - idle) / CLIENTS / 1024:.1f} KiB each)")
        # Two sockets per connection here (both ends in this process): at most half the descriptors.
        floor_count = min(CLIENTS, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2 - 500)
        floor = loopback_floor(floor_count)
        print(f"  the kernel's floor: one frame to {floor_count} loopback sockets from one thread takes {floor:.1f} ms "
              f"({floor / floor_count * 1000:.1f} us each; {floor / floor_count * CLIENTS / 2:.0f} ms for {CLIENTS} over both cores, before any server's work)")
    finally:
        supervisor.terminate()
        supervisor.wait()
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
