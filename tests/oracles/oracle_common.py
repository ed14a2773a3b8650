"""What the backtesting.py oracles share: reading a candle file into backtesting.py's frame, and
comparisons that are false when either side is undefined (NaN), as Warden's strategies compare."""
import math
import pandas as pd


def load(path):
    frame = pd.read_csv(path, compression="gzip" if path.endswith(".gz") else None)
    frame.index = pd.to_datetime(frame["timestamp"], unit="ms")
    return frame.rename(columns=str.capitalize)[["Open", "High", "Low", "Close", "Volume"]]


def lt(a, b): return not (math.isnan(a) or math.isnan(b)) and a < b
def le(a, b): return not (math.isnan(a) or math.isnan(b)) and a <= b
def gt(a, b): return not (math.isnan(a) or math.isnan(b)) and a > b
def ge(a, b): return not (math.isnan(a) or math.isnan(b)) and a >= b
