#!/usr/bin/env python3
"""`warden backtest`'s statistics against empyrical (PyPI empyrical-reloaded) on the same returns.

  statistics_compare.py WARDEN DATA.csv[.gz]

For each strategy: the per-bar returns of the equity `warden backtest --json --equity` prints
(the first against the starting cash) go to empyrical's sharpe_ratio, sortino_ratio, max_drawdown
with the bars per year Warden uses (365.25 days), and annual_return over the file's calendar span
(it has gaps); each must agree to 1e-9.
"""
import json, subprocess, sys
import numpy as np
import empyrical

WARDEN, DATA = sys.argv[1], sys.argv[2]
CASH = 10_000.0
problems = []
for strategy in ["cci", "rsi_macd", "bollinger"]:
    report = json.loads(subprocess.run([WARDEN, "backtest", "--strategy", strategy, "--data", DATA, "--cash", str(CASH), "--json", "--equity"],
                                       capture_output=True, text=True, check=True).stdout)
    times = np.array([p[0] for p in report["equity"]], dtype=np.int64)
    equity = np.array([p[1] for p in report["equity"]])
    interval = int(np.bincount(np.diff(times[:1001]) // 60_000).argmax()) * 60_000
    per_year = 365.25 * 86_400_000 / interval
    returns = np.diff(np.concatenate([[CASH], equity])) / np.concatenate([[CASH], equity[:-1]])
    stats = report["stats"]
    theirs = {
        "sharpe": empyrical.sharpe_ratio(returns, annualization=per_year),
        "sortino": empyrical.sortino_ratio(returns, annualization=per_year),
        "max_drawdown": -empyrical.max_drawdown(returns),
        # CAGR is over calendar time (the file has gaps): empyrical's with the bars a calendar year held.
        "cagr": empyrical.annual_return(returns, annualization=len(returns) / ((times[-1] - times[0] + interval) / (365.25 * 86_400_000))),
        "total_return": empyrical.cum_returns_final(returns),
    }
    for name, value in theirs.items():
        if abs(stats[name] - value) > 1e-9 * max(1, abs(value)):
            problems.append(f"{strategy} {name}: warden {stats[name]}, empyrical {value}")
    print(f"  {strategy}: Sharpe {stats['sharpe']:.6f}, Sortino {stats['sortino']:.6f}, max drawdown {stats['max_drawdown']:.6f}, CAGR {stats['cagr']:.6f} "
          f"({len(returns)} bar returns)")
for line in problems:
    print(line)
sys.exit(1 if problems else 0)
