#!/usr/bin/env python3
"""Runs Warden's three strategies in backtesting.py (PyPI backtesting, pinned in the Makefile) with
TA-Lib indicators and compares the closed trades with `warden backtest --json`.

  backtesting_compare.py WARDEN DATA.csv[.gz] [--bench]

Both fill at the next bar's open with a 0.1% commission per side. backtesting.py trades whole units,
so the comparison uses a cash amount that makes rounding negligible and compares entry/exit times
and prices exactly, and each trade's return to 1e-6. With --bench, prints both run times instead.
"""
import gzip, json, math, subprocess, sys, time, warnings
import numpy as np
import pandas as pd
import talib
from backtesting import Backtest, Strategy

warnings.filterwarnings("ignore")
WARDEN, DATA = sys.argv[1], sys.argv[2]
BENCH = "--bench" in sys.argv
FEE = 0.001


from oracle_common import load, lt, le, gt, ge


class Rules(Strategy):
    """An exit is checked first; no entry on the bar that decided an exit."""
    def next(self):
        if self.position:
            if self.exit_now():
                self.position.close()
        elif self.enter_now():
            self.buy()


class CCIRules(Rules):
    def init(self):
        self.cci = self.I(talib.CCI, self.data.High, self.data.Low, self.data.Close, 20)
    def enter_now(self): return len(self.cci) > 1 and lt(self.cci[-2], -100) and ge(self.cci[-1], -100)
    def exit_now(self): return len(self.cci) > 1 and gt(self.cci[-2], 100) and le(self.cci[-1], 100)


class RSIMACDRules(Rules):
    def init(self):
        self.rsi = self.I(talib.RSI, self.data.Close, 14)
        self.macd, self.signal, _ = self.I(talib.MACD, self.data.Close, 12, 26, 9)
    def cross_up(self): return le(self.macd[-2], self.signal[-2]) and gt(self.macd[-1], self.signal[-1])
    def cross_down(self): return ge(self.macd[-2], self.signal[-2]) and lt(self.macd[-1], self.signal[-1])
    def enter_now(self): return len(self.macd) > 1 and self.cross_up() and lt(self.rsi[-1], 70)
    def exit_now(self): return len(self.macd) > 1 and (self.cross_down() or gt(self.rsi[-1], 80))


class BollingerRules(Rules):
    def init(self):
        self.upper, self.middle, self.lower = self.I(talib.BBANDS, self.data.Close, 20, 2, 2, 0)
    def enter_now(self): return len(self.lower) > 1 and ge(self.data.Close[-2], self.lower[-2]) and lt(self.data.Close[-1], self.lower[-1])
    def exit_now(self): return gt(self.data.Close[-1], self.middle[-1])


STRATEGIES = {"cci": CCIRules, "rsi_macd": RSIMACDRules, "bollinger": BollingerRules}


def main():
    data = load(DATA)
    problems = []
    for name, rules in STRATEGIES.items():
        # With --bench, the median of several runs on each side (a shared machine is noisy).
        warden_runs, py_runs = [], []
        for _ in range(7 if BENCH else 1):
            started = time.perf_counter()
            out = subprocess.run([WARDEN, "backtest", "--strategy", name, "--data", DATA, "--fee", str(FEE), "--cash", "1e12", "--json"],
                                 capture_output=True, text=True, check=True).stdout
            warden_runs.append(time.perf_counter() - started)
        ours = [t for t in json.loads(out)["trades"] if t["exit_time"] is not None]
        for _ in range(3 if BENCH else 1):
            started = time.perf_counter()
            # End to end on both sides: backtesting.py's time includes reading the same file with pandas.
            frame = load(DATA) if BENCH else data
            stats = Backtest(frame, rules, cash=1e12, commission=FEE, finalize_trades=False).run()
            py_runs.append(time.perf_counter() - started)
        theirs = stats["_trades"]
        if BENCH:
            warden_seconds, py_seconds = sorted(warden_runs)[len(warden_runs) // 2], sorted(py_runs)[len(py_runs) // 2]
            print(f"  {name:10} warden backtest {warden_seconds * 1000:8.1f} ms · backtesting.py {py_seconds * 1000:9.1f} ms · ratio {py_seconds / warden_seconds:6.1f}x "
                  f"(medians of {len(warden_runs)} and {len(py_runs)} runs, {len(data)} bars, end to end incl. loading)")
            continue
        if len(ours) != len(theirs):
            problems.append(f"{name}: warden closed {len(ours)} trades, backtesting.py {len(theirs)}")
        for i, (a, (_, b)) in enumerate(zip(ours, theirs.iterrows())):
            entry = int(b["EntryTime"].value // 1_000_000)
            exit_ = int(b["ExitTime"].value // 1_000_000)
            if (a["entry_time"], a["exit_time"]) != (entry, exit_) or a["entry_price"] != b["EntryPrice"] or a["exit_price"] != b["ExitPrice"]:
                problems.append(f"{name} trade {i}: warden {a['entry_time']}@{a['entry_price']} → {a['exit_time']}@{a['exit_price']}, "
                                f"backtesting.py {entry}@{b['EntryPrice']} → {exit_}@{b['ExitPrice']}")
                break
            expected = (b["ExitPrice"] * (1 - FEE)) / (b["EntryPrice"] * (1 + FEE)) - 1
            if abs(a["return"] - expected) > 1e-6:
                problems.append(f"{name} trade {i}: return {a['return']} vs {expected}")
                break
        if not BENCH:
            print(f"  {name}: {len(ours)} closed trades compared with backtesting.py")
    for line in problems[:10]:
        print(line)
    sys.exit(1 if problems else 0)


main()
