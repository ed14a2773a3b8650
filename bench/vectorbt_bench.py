#!/usr/bin/env python3
"""Warden's grid search against vectorbt's on the same rule and the same grid.

  vectorbt_bench.py WARDEN

The rule is cci's: enter when CCI crosses up through `lower`, exit when it crosses down through
`upper` (100), long only with all equity, fee 0.1 %, decided on a bar's close and filled at the
next bar's open (vectorbt: signals shifted one bar, price = open). The grid is period 10..109 ×
lower −200..−110 step 10 (1,000 points) on 2021's hourly BTC bars. vectorbt (PyPI) runs it as one
`Portfolio.from_signals` over 1,000 columns in a warm process (its numba code compiled by a first
run), CCI from TA-Lib; warden's figure is its search time from `warden optimize --jobs 1`
(every trial a full event-driven backtest with journal, fills and figures).
"""
import os, re, subprocess, sys, time
import numpy as np
import pandas as pd
import talib
import vectorbt as vbt

WARDEN = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz")
PERIODS, LOWERS, UPPER = range(10, 110), range(-200, -109, 10), 100.0

frame = pd.read_csv(DATA)
time_column = frame.columns[0]
frame.index = pd.to_datetime(frame[time_column], unit="ms", utc=True)
frame = frame.loc["2021-01-01":"2021-12-31"]
columns = {name.lower(): name for name in frame.columns}
high, low, close, open_ = (frame[columns[k]].astype(float) for k in ("high", "low", "close", "open"))


def grid(periods, lowers):
    """Every point of the grid as one column each, then one vectorised simulation of them all."""
    entries, exits, keys = [], [], []
    for period in periods:
        cci = talib.CCI(high.values, low.values, close.values, timeperiod=period)
        previous = np.roll(cci, 1)
        previous[0] = np.nan
        for lower in lowers:
            entries.append((previous < lower) & (cci >= lower))
            exits.append((previous > UPPER) & (cci <= UPPER))
            keys.append((period, lower))
    index = pd.MultiIndex.from_tuples(keys, names=["period", "lower"])
    # Decided on the close, filled at the next open.
    enter = pd.DataFrame(np.column_stack(entries), index=close.index, columns=index).shift(1, fill_value=False)
    leave = pd.DataFrame(np.column_stack(exits), index=close.index, columns=index).shift(1, fill_value=False)
    portfolio = vbt.Portfolio.from_signals(close, enter, leave, price=open_, fees=0.001, init_cash=10_000, freq="1h")
    return portfolio.sharpe_ratio(), portfolio.total_return()


grid(PERIODS[:2], LOWERS[:2])  # compile numba's kernels first: the process is warm
samples = []
for _ in range(3):
    started = time.perf_counter()
    sharpe, total = grid(PERIODS, LOWERS)
    samples.append(time.perf_counter() - started)
points = len(PERIODS) * len(LOWERS)
theirs = points / sorted(samples)[1]

def warden_rate(jobs):
    run = subprocess.run(
        [WARDEN, "optimize", "--strategy", "cci", "--data", DATA, "--from", "2021-01-01", "--to", "2021-12-31", "--no-store", "--method", "grid",
         "--param", "period=10:109", "--param", "lower=-200:-110:10", "--set", "upper=100", "--jobs", str(jobs), "--fee", "0.001"],
        capture_output=True, text=True, check=True)
    return points / float(re.search(r"search finished in ([0-9.]+) s", run.stderr).group(1))


ours = {jobs: sorted(warden_rate(jobs) for _ in range(3))[1] for jobs in (1, 2)}
best = sharpe.idxmax()
print(f"  vectorbt {vbt.__version__} (warm; one from_signals over {points} columns, its Sharpe ratios; one core): {theirs:,.0f} trials/s (median of 3); "
      f"vectorbt's best Sharpe at period {best[0]}, lower {best[1]}")
print(f"  warden, every trial the event-driven TradingLoop: {ours[1]:,.0f} trials/s on 1 job ({ours[1] / theirs:.2f}x vectorbt), "
      f"{ours[2]:,.0f} on 2 ({ours[2] / theirs:.2f}x); goal ≥ 5x")
