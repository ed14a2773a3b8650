#!/usr/bin/env python3
"""Alerting benchmarks (prints figures, asserts nothing).

1. Rule evaluation: 200 rules over 5,000 series (1 h of 15 s samples), `warden rules bench`, with
   one thread per core (as the supervisor runs) and with one thread.
2. Firing → webhook received: a supervisor with 40 children and a rule on their restart counter,
   group_wait 0 and a webhook receiver on loopback. Each child is SIGKILLed once; the latency of
   an alert is the receiver's arrival time minus the alert's startsAt (the evaluation at which it
   fired), both on this machine's clock.
"""
import json, os, signal, socket, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WARDEN = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CHILDREN = 40

for threads in ([] , ["--threads", "1"]):
    print(subprocess.run([WARDEN, "rules", "bench", "--series", "5000", "--rules", "200", "--cycles", "50", *threads],
                         capture_output=True, text=True, check=True).stdout.strip())

arrivals = {}
class Hook(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.time()
        for alert in body["alerts"]:
            if alert["status"] == "firing":
                started = alert["startsAt"]
                seconds = time.mktime(time.strptime(started[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0." + started[20:23])
                arrivals.setdefault(alert["labels"]["child"], now - seconds)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

hook_port, metrics_port = free_port(), free_port()
server = ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
work = tempfile.mkdtemp(prefix="warden-alerting-bench-")
with open(f"{work}/rules.yml", "w") as f:
    f.write("groups:\n  - name: bench\n    rules:\n      - alert: Restarted\n        expr: increase(warden_child_restarts_total[5m]) > 0\n")
children = "\n".join(f"  - {{name: c{i}, command: [{ROOT}/tests/fixtures/child.sh, ready], watchdog: 0s}}" for i in range(CHILDREN))
with open(f"{work}/warden.yml", "w") as f:
    f.write(f"""supervisor: {{listen: 127.0.0.1:{metrics_port}, max_restarts: 1000}}
children:
{children}
alerting:
  evaluation_interval: 1s
  rule_files: [rules.yml]
  route: {{receiver: hook, group_by: [alertname, child], group_wait: 0s, group_interval: 1s}}
  receivers: [{{name: hook, webhook_configs: [{{url: "http://127.0.0.1:{hook_port}/"}}]}}]
""")
supervisor = subprocess.Popen([WARDEN, "supervise", "--config", f"{work}/warden.yml", "--state-dir", f"{work}/state", "--runtime-dir", f"{work}/run"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def status():
    return json.loads(subprocess.run([WARDEN, "ctl", "status", "--json", "--runtime-dir", f"{work}/run"], capture_output=True, text=True).stdout or "{}")
deadline = time.time() + 60
while time.time() < deadline and not status().get("ready"):
    time.sleep(0.1)
time.sleep(3)  # the rules must see every restart counter at 0 first
for child in status()["children"]:
    try:
        os.kill(child["pid"], signal.SIGKILL)
    except (ProcessLookupError, TypeError):
        print(f"  (child {child['name']} was not running: {child.get('state')})")
    time.sleep(0.3)
deadline = time.time() + 60
while time.time() < deadline and len(arrivals) < CHILDREN:
    time.sleep(0.1)
supervisor.send_signal(signal.SIGTERM); supervisor.wait(30)
server.shutdown()
latencies = sorted(v * 1000 for v in arrivals.values())
if latencies:
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"alert firing → webhook received (group_wait 0, loopback): p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms ({len(latencies)} alerts)")
else:
    print("alert firing → webhook received: no alert arrived")
subprocess.run(["rm", "-rf", work])
