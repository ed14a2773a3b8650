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
finish
