#!/usr/bin/env python3
"""The engine's replay throughput on each database (prints figures, asserts nothing).

The bundled month of one-minute bars (61,272) replayed as fast as possible (speed 0) by
`warden engine` with the three strategies, journaling every order, fill, candle, equity point and
checkpoint: on SQLite, and on a PostgreSQL 15 started here on loopback (initdb in a temp dir).
Bars/s = bars / (time from the process start to its "replay finished" log line), median of runs.
"""
import json, os, shutil, socket, subprocess, sys, tempfile, time

WARDEN = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz")
PG = "/usr/lib/postgresql/15/bin"
BARS = 61_272
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replay(directory, url):
    config = os.path.join(directory, "warden.yml")
    with open(config, "w") as f:
        if url:
            f.write(f"database: {{url: \"{url}\"}}\n")
        f.write(f"logging: {{format: json}}\nengine:\n  market_data: {{file: {DATA}, speed: 0}}\n"
                "  exchange: {starting_balance: 30000, fee_rate: 0.001, slippage_bps: 2}\n"
                "  strategies: [{name: cci}, {name: rsi_macd}, {name: bollinger}]\n")
    state, run = os.path.join(directory, "state"), os.path.join(directory, "run")
    os.makedirs(state, exist_ok=True)
    os.makedirs(run, exist_ok=True)
    common = ["--config", config, "--state-dir", state, "--runtime-dir", run]
    subprocess.run([WARDEN, "db", "migrate", *common], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    started = time.perf_counter()
    engine = subprocess.Popen([WARDEN, "engine", *common], stderr=subprocess.PIPE, text=True, env=env)
    seconds = None
    for line in engine.stderr:
        if '"replay finished"' in line:
            seconds = time.perf_counter() - started
            break
    engine.terminate()
    engine.wait()
    return seconds


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    top = tempfile.mkdtemp(prefix="warden-engine-bench-")
    try:
        sqlite = [replay(tempfile.mkdtemp(dir=top), None) for _ in range(RUNS)]
        print(f"engine replay of {BARS} bars, three strategies, journal on every bar:")
        print(f"  SQLite      {median(sqlite):6.2f} s = {BARS / median(sqlite):8.0f} bars/s (median of {RUNS})")
        pgdir = os.path.join(top, "pg")
        os.makedirs(pgdir)
        shutil.chown(pgdir, "postgres", "postgres")
        os.chmod(top, 0o755)
        as_pg = ["runuser", "-u", "postgres", "--"]
        subprocess.run(as_pg + [f"{PG}/initdb", "-D", f"{pgdir}/data", "-A", "trust", "-U", "postgres"], check=True, capture_output=True)
        port = free_port()
        subprocess.run(as_pg + [f"{PG}/pg_ctl", "-D", f"{pgdir}/data", "-w", "-l", f"{pgdir}/log", "-o",
                                f"-p {port} -k {pgdir} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
        try:
            runs = []
            for index in range(RUNS):
                subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", f"CREATE DATABASE bench{index}"],
                               check=True, capture_output=True)
                runs.append(replay(tempfile.mkdtemp(dir=top), f"postgres://postgres@127.0.0.1:{port}/bench{index}?sslmode=disable"))
            print(f"  PostgreSQL  {median(runs):6.2f} s = {BARS / median(runs):8.0f} bars/s (median of {RUNS}; one transaction per 1,000-bar batch)")
        finally:
            subprocess.run(as_pg + [f"{PG}/pg_ctl", "-D", f"{pgdir}/data", "-m", "fast", "-w", "stop"], capture_output=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)


main()
