#!/usr/bin/env python3
"""The grid of `warden optimize` against backtesting.py's `Backtest.optimize` over the same space.

  optimize_compare.py WARDEN DATA.csv[.gz] [--bench]

The CCI rule (TA-Lib's CCI, backtesting.py fills at the next open with a 0.1% commission, as in
backtesting_compare.py) over period 10..40 step 5 and lower −150..−50 step 50, maximising the
total return: every grid point's return must agree to 1e-6 and both must pick the same best.
With --bench, prints both end-to-end times and their ratio instead.
"""
import gzip, json, math, subprocess, sys, time, warnings
import pandas as pd
import talib
from backtesting import Backtest, Strategy

warnings.filterwarnings("ignore")
WARDEN, DATA = sys.argv[1], sys.argv[2]
BENCH = "--bench" in sys.argv
FEE = 0.001
PERIODS, LOWERS = list(range(10, 41, 5)), [-150, -100, -50]


from oracle_common import load, lt, le, gt, ge


class CCIRules(Strategy):
    period, lower, upper = 20, -100, 100

    def init(self):
        self.cci = self.I(talib.CCI, self.data.High, self.data.Low, self.data.Close, self.period)

    def next(self):
        c = self.cci
        if len(c) < 2:
            return
        if self.position:
            if gt(c[-2], self.upper) and le(c[-1], self.upper):
                self.position.close()
        elif lt(c[-2], self.lower) and ge(c[-1], self.lower):
            self.buy()


def ours():
    out = subprocess.run([WARDEN, "optimize", "--strategy", "cci", "--data", DATA, "--method", "grid", "--param", "period=10:40:5",
                          "--param", "lower=-150:-50:50", "--objective", "profit", "--min-trades", "0", "--fee", str(FEE), "--cash", "1e12",
                          "--json", "--no-store"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def theirs(frame):
    backtest = Backtest(frame, CCIRules, cash=1e12, commission=FEE, finalize_trades=False)
    stats, heatmap = backtest.optimize(period=PERIODS, lower=LOWERS, maximize="Return [%]", return_heatmap=True)
    return stats, heatmap


def main():
    if BENCH:
        started = time.perf_counter(); ours(); warden_seconds = time.perf_counter() - started
        started = time.perf_counter(); theirs(load(DATA)); py_seconds = time.perf_counter() - started
        points = len(PERIODS) * len(LOWERS)
        print(f"  grid of {points} cci points: warden optimize {warden_seconds:.2f} s · backtesting.py optimize {py_seconds:.2f} s · "
              f"ratio {py_seconds / warden_seconds:.1f}x (end to end incl. loading)")
        return
    report = ours()
    stats, heatmap = theirs(load(DATA))
    problems = []
    returns = {(t["parameters"]["period"], t["parameters"]["lower"]): t["figures"]["total_return"] for t in report["trials"]}
    if len(returns) != len(heatmap):
        problems.append(f"warden tried {len(returns)} points, backtesting.py {len(heatmap)}")
    for (period, lower), value in heatmap.items():
        mine = returns.get((float(period), float(lower)))
        if mine is None or abs(mine - value / 100) > 1e-6:
            problems.append(f"period={period} lower={lower}: warden {mine}, backtesting.py {value / 100}")
    best = report["best"]["parameters"]
    chosen = (stats._strategy.period, stats._strategy.lower)
    if (best["period"], best["lower"]) != (float(chosen[0]), float(chosen[1])):
        problems.append(f"best: warden {best}, backtesting.py period={chosen[0]} lower={chosen[1]}")
    print(f"  {len(heatmap)} grid points compared; both best at period={chosen[0]} lower={chosen[1]} (return {report['best']['score']:.4%})")
    for line in problems[:10]:
        print(line)
    sys.exit(1 if problems else 0)


main()
