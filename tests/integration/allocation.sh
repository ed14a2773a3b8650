#!/usr/bin/env bash
# The portfolio layer in the engine and the backtester: every allocation method on the shared BTC
# and ETH hourly files gives the same trades in both, rebalancing included; a SIGKILLed engine
# mid-rebalance journals no order twice; bad allocation settings are refused naming the key.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "portfolio allocation and rebalancing: the engine against warden backtest"

SHARED=$ROOT/../shared/data
BTC1H=$SHARED/BTCUSDT-1h-2023-01-01_2024-01-10.csv; ETH1H=$SHARED/ETHUSDT-1h-2023-01-01_2024-01-10.csv
alloc_config() {  # DIR SPEED PORTFOLIO-YAML [RISK-YAML]
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
engine:
  markets: [{symbol: BTCUSDT, file: $BTC1H}, {symbol: ETH-USDT, file: $ETH1H}]
  market_data: {speed: $2}
  exchange: {starting_balance: 30000, fee_rate: 0.001, slippage_bps: 2}
  strategies: [{name: cci}, {name: bollinger, params: {period: 30}}]
  portfolio: $3
  risk: ${4:-{\}}
YAML
}
backtest_of() {  # STRATEGY FLAGS...: that strategy's trades in the same backtest
  local s=$1; shift
  "$WARDEN" backtest --strategy cci --strategy bollinger --param bollinger.period=30 --data "BTC-USDT=$BTC1H" --data "ETH-USDT=$ETH1H" \
    --cash 30000 --fee 0.001 --slippage-bps 2 "$@" --json | jq --arg s "$s" '.slots[] | select(.strategy == $s) | .trades' | trade_lines
}
orders_like() { sqlite3 "$1/state/warden.sqlite" "SELECT COUNT(*) FROM orders WHERE client_order_id LIKE '%-$2'"; }
port_of() { grep -o 'supervisor: {listen: 127.0.0.1:[0-9]*' "$1/warden.yml" | cut -d: -f4; }

# name | engine.portfolio | engine.risk | the backtest's flags
cases=(
  "equal, rebalanced at 1%|{rebalance: {drift: 0.01}}||--rebalance-drift 0.01"
  "fixed|{allocation: {method: fixed, weights: {cci@BTC-USDT: 0.3, cci@ETH-USDT: 0.1, bollinger: 0.25}}}||--allocation fixed --weight cci@BTC-USDT=0.3 --weight cci@ETH-USDT=0.1 --weight bollinger=0.25"
  "inverse_volatility, capped per market|{allocation: {method: inverse_volatility, window: 500, max_market_weight: {ETH-USDT: 0.3}}}||--allocation inverse_volatility --allocation-window 500 --max-market-weight ETH-USDT=0.3"
  "risk_parity, weekly estimates, rebalanced weekly|{allocation: {method: risk_parity, every: 7d}, rebalance: {drift: 0.05, every: 7d}}||--allocation risk_parity --allocation-every 7d --rebalance-drift 0.05 --rebalance-every 7d"
  "kelly, half, capped at 40% a slot|{allocation: {method: kelly, kelly_min_trades: 5, max_slot_weight: 0.4}}||--allocation kelly --kelly-min-trades 5 --max-slot-weight 0.4"
  "equal under a 4% VaR limit|{}|{max_var: 0.04}|--max-var 0.04"
)
for entry in "${cases[@]}"; do
  IFS='|' read -r name portfolio risk flags <<<"$entry"
  dir=$(scratch)
  alloc_config "$dir" 0 "$portfolio" "$risk"
  start_supervisor "$dir" "$dir/warden.yml"
  wait_until 180 "$name: the engine replays both markets" finished "$dir"
  for s in cci bollinger; do
    # shellcheck disable=SC2086
    want=$(backtest_of "$s" $flags)
    check "$name: $s's trades in the engine equal warden backtest's, field by field ($(wc -l <<<"$want") trades)" test "$(recorded "$dir" "$s")" = "$want"
  done
  case $name in
    *rebalanced*) check "$name: rebalance orders were sent ($(orders_like "$dir" rebalance))" test "$(orders_like "$dir" rebalance)" -gt 0 ;;
  esac
  case $name in
    fixed) check "fixed: the target weights are exported as configured" test "$(curl -fsS "http://127.0.0.1:$(port_of "$dir")/metrics" | grep '^warden_portfolio_target_weight{' | grep 'strategy="bollinger"' | awk '{print $2}' | sort -u)" = 0.25 ;;
    *VaR*) check "$name: the VaR the risk layer compares is exported" bash -c "curl -fsS http://127.0.0.1:$(port_of "$dir")/metrics | grep -q '^warden_risk_var_limit_input_ratio'" ;;
  esac
  if [ "$name" = "equal, rebalanced at 1%" ]; then
    reference=$dir
    check "the supervisor runs the daily risk-report job beside the engine" \
      bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -e '.jobs[] | select(.name == \"risk-report\") | .interval_seconds == 86400'"
  fi
  kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
done

# warden risk report: the journal's positions, measured; the named days from the bundled BTC history.
report=$("$WARDEN" risk report --json --record --config "$reference/warden.yml" --state-dir "$reference/state")
check "risk report: the positions' weights are their value at the last close over equity" "$PY" -c "
import json, sys
r = json.loads(sys.argv[1]); i = r['inputs']
value = sum(p['quantity'] * p['close'] for p in r['positions'])
ok = abs(i['equity'] - i['cash'] - value) < 1e-6 and all(abs(p['weight'] - p['quantity'] * p['close'] / i['equity']) < 1e-12 for p in r['positions'])
sys.exit(0 if ok and i['horizon_bars'] == 24 and i['observations'] == 1000 else 1)" "$report"
check "risk report: VaR and CVaR by four methods at 95% and 99%, or none with nothing held" \
  jq -e '(.estimates | length) == (if ([.positions[].quantity] | add) > 0 then 8 else 0 end)' <<<"$report"
check "risk report: 2020-03-12 is BTC's close-to-close return of that day in the bundled history, times its weight" "$PY" -c "
import gzip, json, sys, pandas as pd
r = json.loads(sys.argv[1]); w = {p['market']: p['weight'] for p in r['positions']}
s = next(x for x in r['scenarios'] if x['name'] == '2020-03-12')
frame = pd.read_csv(sys.argv[2]).set_index('timestamp')['close']
before = frame[frame.index < 1583971200000].iloc[-1]; last = frame[frame.index < 1584057600000].iloc[-1]
want = -w['BTC-USDT'] * (last / before - 1)
sys.exit(0 if (w['BTC-USDT'] == 0 and s['loss'] is None) or abs(s['loss'] - want) < 1e-9 else 1)" "$report" "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz"
check "risk report --record keeps one row for the UTC day" \
  test "$("$WARDEN" risk report --record --config "$reference/warden.yml" --state-dir "$reference/state" >/dev/null; sqlite3 "$reference/state/warden.sqlite" "SELECT COUNT(*), MIN(day) = CAST(strftime('%s','now') AS INTEGER) / 86400 FROM risk_reports")" = "1|1"

# SIGKILL three times while rebalancing at 1%: the same trades, no order journaled or filled twice.
run=$(scratch)
alloc_config "$run" 1500000 "{rebalance: {drift: 0.01}}"
start_supervisor "$run" "$run/warden.yml"
crash_at "$run" "rebalancing: " 0.25 0.5 0.75
wait_until 180 "rebalancing: the restarted engine finishes" finished "$run"
for s in cci bollinger; do
  check "rebalancing: $s's trades after three crashes equal the uninterrupted run's" test "$(recorded "$run" "$s")" = "$(recorded "$reference" "$s")"
done
check "rebalancing: no client order id journaled twice, no order filled twice, as many rebalances as the uninterrupted run" \
  test "$(sqlite3 "$run/state/warden.sqlite" "SELECT (SELECT COUNT(*) - COUNT(DISTINCT client_order_id) FROM orders) || ':' || (SELECT COUNT(*) FROM (SELECT order_id FROM fills GROUP BY order_id HAVING COUNT(*) > 1))"):$(orders_like "$run" rebalance)" = "0:0:$(orders_like "$reference" rebalance)"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Bad settings: refused at start, naming the key.
bad=$(scratch)
alloc_config "$bad" 0 "{allocation: {method: fixed, weights: {cci: 0.7, bollinger: 0.6}}}"
out=$("$WARDEN" check-config --config "$bad/warden.yml" 2>&1); rc=$?
check "fixed weights summing above 1 are refused naming engine.portfolio.allocation.weights" test "$rc" != 0 -a -n "$(grep 'engine.portfolio.allocation.weights' <<<"$out" | grep 'sum to 1.3000')"
alloc_config "$bad" 0 "{allocation: {method: risk_parity, window: 5}}"
out=$("$WARDEN" check-config --config "$bad/warden.yml" 2>&1); rc=$?
check "a window of 5 returns is refused naming engine.portfolio.allocation.window" test "$rc" != 0 -a -n "$(grep 'engine.portfolio.allocation.window' <<<"$out" | grep 'expected 30 to 1000000 returns, found 5')"
alloc_config "$bad" 0 "{rebalance: {drift: 2}}"
out=$("$WARDEN" check-config --config "$bad/warden.yml" 2>&1); rc=$?
check "a drift of 2 is refused naming engine.portfolio.rebalance.drift" test "$rc" != 0 -a -n "$(grep 'engine.portfolio.rebalance.drift' <<<"$out")"
out=$("$WARDEN" backtest --strategy cci --data "BTC-USDT=$BTC1H" --allocation fixed --weight rsi@BTC-USDT=0.5 2>&1); rc=$?
check "a fixed weight for a slot that does not run is refused, naming the slots" test "$rc" != 0 -a -n "$(grep "names 'rsi@BTC-USDT', which is no strategy slot (they are cci@BTC-USDT)" <<<"$out")"
out=$("$WARDEN" backtest --strategy cci --data "BTC-USDT=$BTC1H" --allocation magic 2>&1); rc=$?
check "an unknown method is refused naming --allocation" test "$rc" = 64 -a -n "$(grep -- '--allocation' <<<"$out" | grep 'risk_parity')"
finish
