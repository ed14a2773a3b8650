#!/usr/bin/env python3
"""candles_match.py DB FAKE_PORT: every candle the engine journaled equals the fake BingX's bar of
that open time (its REST klines are the candle file's rows), OHLCV exactly; exit 1 naming the first
that differs."""
import json, sqlite3, sys, urllib.request

db, port = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute(
    "SELECT open_time, open, high, low, close, volume FROM candles WHERE symbol = 'BTC-USDT' ORDER BY open_time").fetchall()
if not rows: sys.exit("no candles in the journal")
served, start = {}, rows[0][0]
while start <= rows[-1][0]:
    url = f"http://127.0.0.1:{port}/openApi/spot/v2/market/kline?symbol=BTC-USDT&interval=1m&limit=1000&startTime={start}"
    page = json.load(urllib.request.urlopen(url))["data"]
    if not page: break
    served.update({k[0]: tuple(float(x) for x in k[1:6]) for k in page})
    start = page[-1][0] + 60000
for row in rows:
    want = served.get(row[0])
    if want is None or any(abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(row[1:], want)):
        sys.exit(f"candle {row[0]}: journal {row[1:]} but BingX served {want}")
print(f"{len(rows)} candles match")
