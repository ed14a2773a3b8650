#!/usr/bin/env python3
"""Optimiser figures: trials per second per core for each strategy (a year of hourly bars), the
scaling from one job to two, a 50-generation genetic search and a 1,000-point grid end to end, and
warden's grid against backtesting.py's Backtest.optimize on the same space.

  optimise_bench.py WARDEN
"""
import os, re, statistics, subprocess, sys, time

WARDEN = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz")
YEAR = ["--data", DATA, "--from", "2021-01-01", "--to", "2021-12-31", "--no-store"]
SPACES = {"cci": ["--param", "period=10:209"], "rsi_macd": ["--param", "rsi=5:194"], "bollinger": ["--param", "period=10:209"]}


def search_seconds(arguments):
    """The search's own time (stderr's "search finished in"), and the trials it evaluated."""
    run = subprocess.run([WARDEN, "optimize", *arguments], capture_output=True, text=True, check=True)
    seconds = float(re.search(r"search finished in ([0-9.]+) s", run.stderr).group(1))
    trials = int(re.search(r"\n  ([0-9]+) trials, objective", "\n" + run.stdout).group(1))
    return seconds, trials


def end_to_end(arguments):
    started = time.perf_counter()
    subprocess.run([WARDEN, "optimize", *arguments, "--json"], capture_output=True, text=True, check=True)
    return time.perf_counter() - started


print("optimiser (release build, this machine's cores shared with nothing else):")
for strategy, space in SPACES.items():
    rates = {}
    for jobs in (1, 2):
        samples = [search_seconds(["--strategy", strategy, *YEAR, "--method", "grid", *space, "--jobs", str(jobs)]) for _ in range(3)]
        seconds = statistics.median(s for s, _ in samples)
        rates[jobs] = samples[0][1] / seconds
    print(f"  {strategy:10} {rates[1]:7.1f} trials/s on 1 job · {rates[2]:7.1f} on 2 · scaling {rates[2] / rates[1]:.2f}x "
          f"(a year of 1h bars, 8,760 bars; median of 3)")
ga = end_to_end(["--strategy", "cci", *YEAR, "--method", "ga", "--param", "period=5:100", "--param", "lower=-200:-50:10", "--population", "20", "--generations", "50"])
print(f"  genetic search, 50 generations of 20 (cci, a year of 1h bars), end to end: {ga:.1f} s (goal ≤ 10 s)")
grid = end_to_end(["--strategy", "cci", *YEAR, "--method", "grid", "--param", "period=10:109", "--param", "lower=-200:-110:10"])
print(f"  grid of 1,000 points (cci, a year of 1h bars), end to end with DSR, PBO and self-checks: {grid:.1f} s")
subprocess.run([sys.executable, os.path.join(ROOT, "tests", "oracles", "optimize_compare.py"), WARDEN, DATA, "--bench"], check=True, stderr=subprocess.DEVNULL)
