#!/usr/bin/env bash
# `warden risk var` and `warden portfolio weights` on the shared BTC and ETH hourly files
# against numpy and scipy, and their refusals of bad input.
source "$(dirname "$0")/lib.sh"
echo "risk analytics on files"

BTC=$ROOT/../shared/data/BTCUSDT-1h-2023-01-01_2024-01-10.csv
ETH=$ROOT/../shared/data/ETHUSDT-1h-2023-01-01_2024-01-10.csv
out=$("$PY" "$ROOT/tests/oracles/risk_compare.py" "$WARDEN" "$BTC" "$ETH" 2>&1); rc=$?
check "historical, parametric, Cornish-Fisher and Monte Carlo VaR/CVaR and the risk-parity weights equal numpy's and scipy's ($(head -1 <<<"$out" | sed 's/^ *//'))" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | tail -8
json=$("$WARDEN" risk var --data "BTC-USDT=$BTC" --data "ETH-USDT=$ETH" --window 500 --json)
check "the report names its inputs: markets, first and last timestamps, 500 returns" \
  jq -e '.inputs.markets == ["BTC-USDT", "ETH-USDT"] and .inputs.observations == 500 and .inputs.first < .inputs.last and (.estimates | length) == 8' <<<"$json"
check "VaR and CVaR are positive losses, CVaR at least VaR, 99% at least 95%" \
  jq -e 'all(.estimates[]; .var > 0 and .cvar >= .var) and ([.estimates[] | select(.method == "historical")] | .[1].var >= .[0].var)' <<<"$json"
check "the same seed gives the same Monte Carlo paths" \
  test "$("$WARDEN" risk var --data "BTC-USDT=$BTC" --method monte_carlo --seed 4 --json | jq -c .estimates)" = "$("$WARDEN" risk var --data "BTC-USDT=$BTC" --method monte_carlo --seed 4 --json | jq -c .estimates)"
out=$("$WARDEN" risk var --data "BTC-USDT=$BTC" --weights "ETH-USDT=1" 2>&1); rc=$?
check "a weight for a market without data is refused" test "$rc" = 64 -a -n "$(grep 'ETH-USDT has no --data' <<<"$out")"
out=$("$WARDEN" risk var --data "BTC-USDT=$BTC" --confidence 1.5 2>&1); rc=$?
check "a confidence outside (0.5, 1) is refused naming it" test "$rc" = 64 -a -n "$(grep "a confidence is a number between 0.5 and 1, found '1.5'" <<<"$out")"
out=$("$WARDEN" portfolio weights --method kelly --data "BTC-USDT=$BTC" 2>&1); rc=$?
check "an unknown weighting method is refused" test "$rc" = 64 -a -n "$(grep 'equal, inverse_volatility or risk_parity' <<<"$out")"
check "equal weights are equal" bash -c "'$WARDEN' portfolio weights --method equal --data BTC-USDT=$BTC --data ETH-USDT=$ETH --json | jq -e '.weights == {\"BTC-USDT\": 0.5, \"ETH-USDT\": 0.5}'"
# Stress tests: the bundled 2017-2022 BTC hourly file, all equity in BTC, against pandas.
HOURLY=$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz
stress=$(scratch)/stress.json
"$WARDEN" risk stress --data "BTC-USDT=$HOURLY" --json >"$stress"
out=$("$PY" - "$HOURLY" "$stress" <<'PY'
import json, sys
import numpy as np, pandas as pd
close = pd.read_csv(sys.argv[1]).set_index("timestamp")["close"]
report = {s["name"]: s for s in json.load(open(sys.argv[2]))["scenarios"]}
problems = []
logs = np.log1p(close.pct_change().iloc[1:])
for name, bars in [("worst 1-day window", 24), ("worst 7-day window", 168)]:
    windows = np.expm1(logs.rolling(bars).sum().dropna())
    worst = windows.idxmin()
    first = logs.index[logs.index.get_loc(worst) - bars + 1]
    got = report[name]
    if abs(got["loss"] + windows.min()) > 1e-9 or got["from"] != first or got["to"] != worst:
        problems.append(f"{name}: warden {got['loss']} {got['from']}..{got['to']}, pandas {-windows.min()} {first}..{worst}")
day = pd.Timestamp("2020-03-12", tz="UTC").value // 10**6
before, inside = close[close.index < day], close[(close.index >= day) & (close.index < day + 86_400_000)]
move = inside.iloc[-1] / before.iloc[-1] - 1
if abs(report["2020-03-12"]["loss"] + move) > 1e-12:
    problems.append(f"2020-03-12: warden {report['2020-03-12']['loss']}, pandas {-move}")
if report["2022-11-08"].get("loss") is not None:
    problems.append("2022-11-08 is not in the file, yet has a loss")
shock = report["every market −40%"]["loss"]
if abs(shock - 0.4) > 1e-12:
    problems.append(f"−40% shock: {shock}")
print(f"worst day {report['worst 1-day window']['loss']:.4f}, worst week {report['worst 7-day window']['loss']:.4f}, 2020-03-12 {report['2020-03-12']['loss']:.4f}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
); rc=$?
check "stress: the worst day and week, and 2020-03-12, equal pandas' on the BTC file; 2022-11-08 (not in it) has no loss ($(head -1 <<<"$out"))" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | tail -5
finish
