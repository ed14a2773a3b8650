#!/usr/bin/env python3
"""The engine trading live on the local fake BingX (loopback, SQLite journal, bars over its
WebSocket stream): how long from the stream frame that closes a bar to every strategy's decision,
from a decision to its order handed to the venue (the durable journal write included), and from a
request sent to BingX's answer, by the engine's own histograms (p50 and p99 are bucket upper
bounds); then the order rate sustained when far more orders are offered than BingX's limit allows.
Prints figures, asserts nothing.
"""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request

WARDEN = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz")
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
# Bars closing per second at the fake. Two keeps the loop ahead of the feed (each bar with an open
# order polls the order and its trades, within BingX's 5/s account limit), so the figures are
# latencies, not a queue's length.
SPEED = os.environ.get("BENCH_SPEED", "2")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def buckets_of(text, name):
    buckets = []
    for line in text.splitlines():
        m = re.match(rf'^{name}_bucket\{{(?:[^}}]*,)?le="([^"]+)"[^}}]*\}} (\S+)$', line)
        if m: buckets.append((float("inf") if m.group(1) == "+Inf" else float(m.group(1)), float(m.group(2))))
    return sorted(buckets)


def quantile(text, name, q, since=None):
    """The q-quantile's bucket bound of a histogram; with `since` (an earlier scrape), of what was
    observed after it."""
    buckets = buckets_of(text, name)
    if since is not None:
        before = dict(buckets_of(since, name))
        buckets = [(bound, count - before.get(bound, 0)) for bound, count in buckets]
    total = buckets[-1][1] if buckets else 0
    if not total: return None, 0
    for bound, count in buckets:
        if count >= q * total: return bound, int(total)
    return None, int(total)


ORDERS = int(os.environ.get("BENCH_ORDERS", "100"))


def sustained_rate(tmp, env, fake_port):
    """`warden exchange bench`: ORDERS limit buys far under the price (they rest) offered at once
    through the real client (its rate window, signing, HTTP), far faster than BingX's order limit,
    with the engine stopped (it would share the limit). From the fake's log: the placements'
    rate, the busiest second, 429s and limit violations."""
    before = json.loads(get(f"http://127.0.0.1:{fake_port}/_control/state"))["violations"]
    out = subprocess.run([WARDEN, "exchange", "bench", "--orders", str(ORDERS), "--config", f"{tmp}/warden.yml"], env=env,
                         capture_output=True, text=True, timeout=300)
    stamps, refused = [], 0
    for line in open(f"{tmp}/bingx.jsonl"):
        entry = json.loads(line)
        if entry["path"] != "/openApi/spot/v1/trade/order" or not entry["params"].get("newClientOrderId", "").startswith("bench_"): continue
        if entry["answer"] == 429: refused += 1
        elif entry.get("code") == 0: stamps.append(int(entry["params"]["timestamp"]))
    stamps.sort()
    seconds = (stamps[-1] - stamps[0]) / 1000 if len(stamps) > 1 else float("nan")
    fastest = max((sum(1 for t in stamps if s <= t < s + 1000) for s in stamps), default=0)
    violations = json.loads(get(f"http://127.0.0.1:{fake_port}/_control/state"))["violations"] - before
    return len(stamps), seconds, refused, violations, fastest, (out.stdout + out.stderr).strip()


def main():
    tmp = tempfile.mkdtemp(prefix="warden-bingx-bench-")
    fake_port, sup_port, ws_port = free_port(), free_port(), free_port()
    env = dict(os.environ, FAKE_BINGX_KEY="k", FAKE_BINGX_SECRET="s", BX_KEY="k", BX_SECRET="s")
    fake = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/fakes/bingx.py"), str(fake_port), f"{tmp}/bingx.jsonl", DATA, "--speed", SPEED,
                             "--ws-port", str(ws_port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    with open(f"{tmp}/warden.yml", "w") as f:
        f.write(f"""supervisor: {{listen: 127.0.0.1:{sup_port}}}
recovery: {{enabled: false}}
logging: {{format: json}}
children:
  - {{name: engine}}
engine:
  symbol: BTC-USDT
  market_data: {{source: bingx, transport: websocket}}
  exchange: {{kind: bingx, api_key: "${{env:BX_KEY}}", secret_key: "${{env:BX_SECRET}}", base_url: "http://127.0.0.1:{fake_port}",
             ws_url: "ws://127.0.0.1:{ws_port}/market"}}
""")
    sup = subprocess.Popen([WARDEN, "supervise", "--config", f"{tmp}/warden.yml", "--state-dir", f"{tmp}/state", "--runtime-dir", f"{tmp}/run"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The warm-up's bars are decided on as they are read: the stream's figures start after it.
        time.sleep(15)
        warm = get(f"http://127.0.0.1:{sup_port}/metrics")
        time.sleep(max(1, SECONDS - 15))
        metrics = get(f"http://127.0.0.1:{sup_port}/metrics")
        state = json.loads(get(f"http://127.0.0.1:{fake_port}/_control/state"))
        sup.terminate(); sup.wait(30)
        time.sleep(1.5)  # the engine's last requests leave BingX's one-second windows
        sustained = sustained_rate(tmp, env, fake_port)
    finally:
        sup.terminate(); sup.wait(30); fake.terminate(); fake.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    d50, dn = quantile(metrics, "warden_engine_decision_seconds", 0.5, since=warm)
    d99, _ = quantile(metrics, "warden_engine_decision_seconds", 0.99, since=warm)
    p50, n = quantile(metrics, "warden_engine_order_send_seconds", 0.5)
    p99, _ = quantile(metrics, "warden_engine_order_send_seconds", 0.99)
    r50, rn = quantile(metrics, "warden_exchange_request_duration_seconds", 0.5)
    r99, _ = quantile(metrics, "warden_exchange_request_duration_seconds", 0.99)
    fmt = lambda x: "n/a" if x is None else f"<= {x * 1000:g} ms"
    print(f"BingX (fake on loopback, {SECONDS} s, {SPEED} bars/s, SQLite journal): {n} orders, {rn} requests, {state['violations']} rate-limit violations")
    print(f"  stream frame closing a bar -> every strategy's decision ({dn} bars after the warm-up): p50 {fmt(d50)}, p99 {fmt(d99)}")
    print(f"  decision -> order handed to the venue (durable journal write included): p50 {fmt(p50)}, p99 {fmt(p99)}")
    print(f"  request -> BingX's answer (the fake's Python server included): p50 {fmt(r50)}, p99 {fmt(r99)}")
    placed, seconds, refused, violations, fastest, said = sustained
    print(f"  sustained orders ({said}): the fake saw {placed} placements at {(placed - 1) / seconds:.2f}/s between the first and the last "
          f"(BingX spot's limit 10/s; the busiest second held {fastest}), {refused} answered 429, {violations} violations")


main()
