#!/usr/bin/env python3
"""Trading benchmarks (prints figures, asserts nothing).

A year of one-minute bars (525,600) is made from the bundled 1m file: copies laid end to end, each
shifted in time and scaled so prices join, rounded to BTC/USDT's tick of 0.01 as an exchange
would print them. For each strategy: `warden backtest --timings` (load
time, core-loop bars/s, per-bar decision p50/p99), and the same rules in backtesting.py end to end
on the same file, with the speed ratio.
"""
import gzip, os, subprocess, sys, tempfile, time

WARDEN = os.path.abspath(sys.argv[1])
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BARS = int(os.environ.get("BENCH_BARS", "525600"))


def year_file(path):
    rows = [line.split(",") for line in gzip.open(os.path.join(ROOT, "data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz"), "rt").read().split("\n")[1:] if line]
    out, t, scale = [], int(rows[0][0]), 1.0
    while len(out) < BARS:
        base = int(rows[0][0])
        for row in rows:
            if len(out) == BARS:
                break
            o, h, l, c = (float(x) * scale for x in row[1:5])
            out.append(f"{t + int(row[0]) - base},{o:.2f},{h:.2f},{l:.2f},{c:.2f},{row[5]}")
        t = t + int(rows[-1][0]) - base + 60000
        scale *= float(rows[0][1]) and float(rows[-1][4]) / float(rows[0][1])
    with open(path, "w") as f:
        f.write("timestamp,open,high,low,close,volume\n" + "\n".join(out) + "\n")


def main():
    directory = tempfile.mkdtemp(prefix="warden-trading-bench-")
    data = os.path.join(directory, "year-1m.csv")
    year_file(data)
    print(f"backtest of {BARS} one-minute bars ({os.path.getsize(data) / 2**20:.0f} MiB CSV)")
    for name in ("cci", "rsi_macd", "bollinger"):
        result = subprocess.run([WARDEN, "backtest", "--strategy", name, "--data", data, "--timings"], capture_output=True, text=True, check=True)
        print(f"  {name:10} " + result.stderr.strip().replace("timings: ", ""))
    print("end to end against backtesting.py 0.6.6 (same rules, TA-Lib indicators):")
    single = subprocess.run([sys.executable, os.path.join(ROOT, "tests/oracles/backtesting_compare.py"), WARDEN, data, "--bench"],
                            check=True, capture_output=True, text=True).stdout
    print(single, end="")
    # Two markets at once on one account: the year twice (the second scaled as ETH/USDT is to BTC/USDT),
    # against backtesting.py running each market on its own (it has no shared account).
    second = os.path.join(directory, "year-1m-second.csv")
    with open(data) as source, open(second, "w") as out:
        out.write(source.readline())
        for line in source:
            t, o, h, l, c, v = line.rstrip("\n").split(",")
            out.write(f"{t},{float(o) * 0.06:.2f},{float(h) * 0.06:.2f},{float(l) * 0.06:.2f},{float(c) * 0.06:.2f},{v}\n")
    python_times = {}
    for line in single.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[1] == "warden":
            python_times[parts[0]] = float(parts[7]) / 1000
    print(f"two markets at once ({2 * BARS} bars), against backtesting.py on each market in turn:")
    for name in ("cci", "rsi_macd", "bollinger"):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([WARDEN, "backtest", "--strategy", name, "--data", f"BTC-USDT={data}", "--data", f"ETH-USDT={second}", "--fee", "0.001",
                            "--cash", "1e12", "--json"], check=True, capture_output=True)
            runs.append(time.perf_counter() - started)
        ours = sorted(runs)[len(runs) // 2]
        theirs = 2 * python_times.get(name, float("nan"))
        print(f"  {name:10} warden backtest {ours * 1000:8.1f} ms · backtesting.py ~{theirs * 1000:9.1f} ms (twice its one-market median) · ratio {theirs / ours:6.1f}x")
    os.remove(second)
    os.remove(data)
    os.rmdir(directory)
    portfolio_layer()


def portfolio_layer():
    """The per-bar decision time with the portfolio layer on: the shared BTC and ETH hourly year,
    cci and bollinger on both, each allocation method, rebalancing, and the VaR limit (whose
    historical VaR of the positions is computed at every bar they are held, and for every entry)."""
    shared = os.path.join(ROOT, "..", "shared", "data")
    btc, eth = (os.path.join(shared, f"{m}USDT-1h-2023-01-01_2024-01-10.csv") for m in ("BTC", "ETH"))
    if not (os.path.exists(btc) and os.path.exists(eth)):
        print("portfolio layer: ../shared/data's BTC and ETH hourly files are not here; skipped")
        return
    print("the portfolio layer, per bar (BTC-USDT and ETH-USDT hourly, 2 x 8,995 bars, cci and bollinger on both):")
    cases = [
        ("equal (off)", []),
        ("inverse_volatility", ["--allocation", "inverse_volatility"]),
        ("risk_parity + 1% rebalance", ["--allocation", "risk_parity", "--rebalance-drift", "0.01"]),
        ("kelly (half)", ["--allocation", "kelly"]),
        ("VaR limit 4%", ["--max-var", "0.04"]),
        ("all: risk_parity, rebalance, VaR", ["--allocation", "risk_parity", "--rebalance-drift", "0.01", "--max-var", "0.04"]),
    ]
    for label, flags in cases:
        result = subprocess.run([WARDEN, "backtest", "--strategy", "cci", "--strategy", "bollinger", "--data", f"BTC-USDT={btc}", "--data", f"ETH-USDT={eth}",
                                 "--timings", *flags], capture_output=True, text=True, check=True)
        print(f"  {label:34} " + result.stderr.strip().replace("timings: ", ""))


main()
