#!/usr/bin/env python3
"""Supervisor benchmarks (prints figures, asserts nothing).

1. crash -> replacement READY: SIGKILL a trivial child N times; for each, the time from the kill to
   the supervisor spawning the replacement, and to the replacement's READY=1.
2. watchdog miss -> kill: how late after a missed watchdog deadline the supervisor sends SIGABRT.
3. idle cost: supervisor RSS and CPU over a quiet period with the two default workers.
"""
import http.client, json, os, signal, socket, statistics, subprocess, sys, tempfile, time

WARDEN = sys.argv[1]
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "child.sh")
KILLS = int(os.environ.get("BENCH_KILLS", "120"))
MISSES = int(os.environ.get("BENCH_WATCHDOG_MISSES", "20"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def status(run):
    conn = UnixHTTP(os.path.join(run, "control.sock"))
    conn.request("GET", "/v1/status")
    body = conn.getresponse().read()
    conn.close()
    return json.loads(body)


def child(run, name):
    return next(c for c in status(run)["children"] if c["name"] == name)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(config_text):
    work = tempfile.mkdtemp(prefix="warden-bench-")
    config = os.path.join(work, "warden.yml")
    with open(config, "w") as f:
        f.write(config_text.replace("PORT", str(free_port())))
    log = open(os.path.join(work, "log"), "w")
    proc = subprocess.Popen(
        [WARDEN, "supervise", "--config", config, "--state-dir", work + "/state", "--runtime-dir", work + "/run"],
        stdout=log, stderr=log)
    run = work + "/run"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if status(run)["ready"]:
                return proc, run
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    raise SystemExit("supervisor did not become ready")


def wait_for(predicate, limit=30):
    deadline = time.time() + limit
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.0005)
    raise SystemExit("timed out")


def summary(label, values_ms):
    values = sorted(values_ms)
    p99 = values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
    print(f"{label:<52} median {statistics.median(values):8.2f} ms   p99 {p99:8.2f} ms   "
          f"min {values[0]:7.2f}   max {values[-1]:7.2f}   n={len(values)}")


def crash_to_ready():
    proc, run = start(f"""
supervisor:
  listen: 127.0.0.1:PORT
  max_restarts: 100000
  backoff: {{initial: 100ms, reset_after: 0s}}
children:
  - {{name: trivial, command: [{FIXTURE}, ready], watchdog: 0s}}
""")
    to_spawn, to_ready, child_start = [], [], []
    try:
        for _ in range(KILLS):
            before = child(run, "trivial")
            t0 = time.time()
            os.kill(before["pid"], signal.SIGKILL)
            after = wait_for(lambda: (lambda c: c if c["state"] == "running" and c["pid"] != before["pid"] else None)(child(run, "trivial")))
            to_spawn.append((after["spawned_at"] - t0) * 1000)
            to_ready.append((after["ready_at"] - t0) * 1000)
            child_start.append((after["ready_at"] - after["spawned_at"]) * 1000)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    summary("crash -> replacement spawned (supervisor's part)", to_spawn)
    summary("crash -> replacement READY (incl. child start-up)", to_ready)
    summary("  of which the child's own start-up (bash+notify)", child_start)


def watchdog_delay():
    proc, run = start(f"""
supervisor:
  listen: 127.0.0.1:PORT
  max_restarts: 100000
  watchdog_kill_grace: 100ms
  backoff: {{initial: 10ms, reset_after: 0s}}
children:
  - {{name: hanger, command: [{FIXTURE}, hang], watchdog: 200ms}}
""")
    overruns = []
    try:
        last_at = 0
        while len(overruns) < MISSES:
            def new_watchdog_exit():
                exit = child(run, "hanger").get("last_exit")
                return exit if exit and exit["cause"] == "watchdog" and exit["at"] > last_at else None
            exit = wait_for(new_watchdog_exit)
            last_at = exit["at"]
            overruns.append(exit["watchdog_overrun_seconds"] * 1000)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    summary("watchdog deadline missed -> SIGABRT sent", overruns)


METRICS_WORKER = os.path.join(os.path.dirname(FIXTURE), "metrics_worker.py")
SCRAPES = int(os.environ.get("BENCH_SCRAPES", "300"))


def scrape_cost(label, extra_children):
    proc, run = start("supervisor:\n  listen: 127.0.0.1:PORT\nchildren:\n  - {name: engine}\n  - {name: api, depends_on: [engine]}\n" + extra_children)
    port = next(line.split(":")[-1].strip() for line in open(os.path.join(os.path.dirname(run), "warden.yml")) if "listen" in line)
    url = f"http://127.0.0.1:{port}/metrics"
    import urllib.request
    try:
        urllib.request.urlopen(url).read()
        ticks0, _ = proc_sample(proc.pid)
        times, size = [], 0
        for _ in range(SCRAPES):
            t0 = time.perf_counter()
            body = urllib.request.urlopen(url).read()
            times.append((time.perf_counter() - t0) * 1000)
            size = len(body)
        ticks1, _ = proc_sample(proc.pid)
        series = sum(1 for line in body.decode().splitlines() if line and not line.startswith("#"))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    summary(f"/metrics, {label} ({series} series, {size / 1024:.0f} KiB)", times)
    cpu_ms = (ticks1 - ticks0) / os.sysconf("SC_CLK_TCK") * 1000 / SCRAPES
    print(f"{'  supervisor CPU per scrape':<52} {cpu_ms:8.2f} ms")


def proc_sample(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    with open(f"/proc/{pid}/status") as f:
        rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    return ticks, rss_kib


def idle_cost():
    proc, run = start("supervisor:\n  listen: 127.0.0.1:PORT\n")
    try:
        time.sleep(2)
        ticks0, _ = proc_sample(proc.pid)
        t0 = time.time()
        peak = 0
        while time.time() - t0 < IDLE_SECONDS:
            time.sleep(1)
            peak = max(peak, proc_sample(proc.pid)[1])
        ticks1, rss = proc_sample(proc.pid)
        elapsed = time.time() - t0
        with open(f"/proc/{proc.pid}/smaps_rollup") as f:
            rollup = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split(":")[0] in
                      ("Pss", "Private_Clean", "Private_Dirty", "Shared_Clean")}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    cpu = (ticks1 - ticks0) / os.sysconf("SC_CLK_TCK") / elapsed * 100
    print(f"{'supervisor idle with engine+api over %.0f s' % elapsed:<52} RSS {rss / 1024:6.1f} MiB (peak {peak / 1024:.1f})   CPU {cpu:.3f}%")
    private = (rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024
    print(f"{'  of the RSS: private / PSS / shared libraries':<52} {private:6.1f} / {rollup['Pss'] / 1024:.1f} / "
          f"{rollup['Shared_Clean'] / 1024:.1f} MiB")


if __name__ == "__main__":
    print(f"warden supervisor benchmarks ({WARDEN})")
    crash_to_ready()
    watchdog_delay()
    scrape_cost("default series", "")
    scrape_cost("+5,000 worker series", f"  - {{name: bulk, command: [python3, {METRICS_WORKER}, series, '5000']}}\n")
    idle_cost()
