#!/usr/bin/env python3
"""Writes TA-Lib's outputs for Warden's indicators as golden files, and compares Warden's output
with TA-Lib on any data.

  talib_golden.py write DATA.csv[.gz] ROWS OUT.csv.gz   first ROWS bars, every indicator column
  talib_golden.py compare DATA.csv[.gz] WARDEN.csv       full check of `warden indicators` output

TA-Lib comes from PyPI `ta-lib` (pinned in the Makefile); numbers are written with repr (shortest
round trip). Warm-up cells are empty.
"""
import csv, gzip, io, math, sys
import numpy as np
import talib

# (column prefix, spec for `warden indicators`, function returning the TA-Lib arrays)
SPECS = [
    ("sma_20", "sma:20", lambda h, l, c: [talib.SMA(c, 20)]),
    ("ema_50", "ema:50", lambda h, l, c: [talib.EMA(c, 50)]),
    ("ema_9", "ema:9", lambda h, l, c: [talib.EMA(c, 9)]),
    ("rsi_14", "rsi:14", lambda h, l, c: [talib.RSI(c, 14)]),
    ("rsi_7", "rsi:7", lambda h, l, c: [talib.RSI(c, 7)]),
    ("macd_12_26_9", "macd:12:26:9", lambda h, l, c: list(talib.MACD(c, 12, 26, 9))),
    ("macd_5_35_5", "macd:5:35:5", lambda h, l, c: list(talib.MACD(c, 5, 35, 5))),
    ("bbands_20_2", "bbands:20:2", lambda h, l, c: list(talib.BBANDS(c, 20, 2, 2, 0))),
    ("bbands_10_1.5", "bbands:10:1.5", lambda h, l, c: list(talib.BBANDS(c, 10, 1.5, 1.5, 0))),
    ("cci_20", "cci:20", lambda h, l, c: [talib.CCI(h, l, c, 20)]),
    ("cci_14", "cci:14", lambda h, l, c: [talib.CCI(h, l, c, 14)]),
    ("atr_14", "atr:14", lambda h, l, c: [talib.ATR(h, l, c, 14)]),
    ("atr_5", "atr:5", lambda h, l, c: [talib.ATR(h, l, c, 5)]),
]


def columns(prefix):
    if prefix.startswith("macd"):
        rest = prefix[len("macd"):]
        return ["macd" + rest, "macdsignal" + rest, "macdhist" + rest]
    if prefix.startswith("bbands"):
        rest = prefix[len("bbands"):]
        return ["bbupper" + rest, "bbmiddle" + rest, "bblower" + rest]
    return [prefix]


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = list(csv.DictReader(f))
    times = [int(r["timestamp"]) for r in rows]
    h, l, c = (np.array([float(r[k]) for r in rows]) for k in ("high", "low", "close"))
    return times, h, l, c


def talib_table(h, l, c):
    table = {}
    for prefix, _, function in SPECS:
        for name, values in zip(columns(prefix), function(h, l, c)):
            table[name] = values
    return table


def cell(value):
    return "" if math.isnan(value) else repr(float(value))


def write(data, rows, out):
    times, h, l, c = load(data)
    times, h, l, c = times[:rows], h[:rows], l[:rows], c[:rows]
    table = talib_table(h, l, c)
    names = list(table)
    with gzip.open(out, "wt", compresslevel=9) as f:
        f.write(f"# TA-Lib {talib.__ta_version__.decode()} via PyPI ta-lib {talib.__version__}; first {rows} bars of {data.split('/')[-1]}\n")
        f.write(",".join(["timestamp"] + names) + "\n")
        for i, t in enumerate(times):
            f.write(",".join([str(t)] + [cell(table[n][i]) for n in names]) + "\n")


def compare(data, warden_csv):
    """Exit 1 listing the first mismatches: a warm-up cell that differs, or a relative error over 1e-9."""
    times, h, l, c = load(data)
    table = talib_table(h, l, c)
    with open(warden_csv) as f:
        rows = list(csv.DictReader(f))
    problems, checked = [], 0
    if len(rows) != len(times):
        problems.append(f"warden printed {len(rows)} rows, the data has {len(times)}")
    for name, expected in table.items():
        if name not in rows[0]:
            continue
        for i, row in enumerate(rows):
            got = row[name]
            want = expected[i]
            if math.isnan(want) != (got == ""):
                problems.append(f"{name} row {i}: warden '{got}', TA-Lib {cell(want) or 'empty'}")
            elif got != "":
                value = float(got)
                if abs(value - want) > 1e-9 * max(abs(want), 1e-300) and not (want == 0 and value == 0):
                    problems.append(f"{name} row {i}: warden {value!r}, TA-Lib {float(want)!r}, relative error {abs(value - want) / max(abs(want), 1e-300):.3g}")
                checked += 1
            if int(row["timestamp"]) != times[i]:
                problems.append(f"row {i}: timestamp {row['timestamp']} != {times[i]}")
    for line in problems[:20]:
        print(line)
    print(f"{checked} values compared with TA-Lib {talib.__ta_version__.decode()}: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "specs":
        print(" ".join("--indicator " + spec for _, spec, _ in SPECS))
