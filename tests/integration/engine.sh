#!/usr/bin/env bash
# The engine under the supervisor: parity with `warden backtest` on the same file, and crash
# recovery (SIGKILL mid-replay, three times) ending with the same trades and no order sent twice.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "the trading engine under the supervisor"

# Parity: an uninterrupted run.
run1=$(scratch)
engine_config "$run1"
start_supervisor "$run1" "$run1/warden.yml"
wait_until 120 "the engine replays the whole file (STATUS: replay finished)" finished "$run1"
for s in cci rsi_macd bollinger; do
  check "$s: the engine's trades equal warden backtest's of the same three strategies on one account, field by field ($(expected "$s" | wc -l) trades)" \
    test "$(recorded "$run1" "$s")" = "$(expected "$s")"
done
check "the engine's metrics reach the supervisor's /metrics" bash -c "curl -fsS http://127.0.0.1:$(grep -o 'supervisor: {listen: 127.0.0.1:[0-9]*' "$run1/warden.yml" | cut -d: -f4)/metrics | grep -q '^warden_engine_replay_progress_ratio{child=\"engine\"} 1'"
check "a finished replay exports no market-data age (so WardenMarketDataStale cannot fire after it)" \
  bash -c "! curl -fsS http://127.0.0.1:$(grep -o 'supervisor: {listen: 127.0.0.1:[0-9]*' "$run1/warden.yml" | cut -d: -f4)/metrics | grep -q '^warden_engine_market_data_age_seconds'"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Crash recovery: SIGKILL the engine three times mid-replay; the supervisor restarts it each time.
run2=$(scratch)
engine_config "$run2"
start_supervisor "$run2" "$run2/warden.yml"
crash_at "$run2" "" 0.2 0.45 0.7
wait_until 180 "the restarted engine finishes the replay" finished "$run2"
check "it said it resumed from its journal" log_has "$run2/log" '.message == "engine resumed from its journal"'
for s in cci rsi_macd bollinger; do
  check "$s: after three crashes, the trades equal the uninterrupted run's" test "$(recorded "$run2" "$s")" = "$(recorded "$run1" "$s")"
done
db=$run2/state/warden.sqlite
check "no client order id was journaled twice" test "$(sqlite3 "$db" "SELECT COUNT(*) - COUNT(DISTINCT client_order_id) FROM orders")" = 0
check "no order was filled twice" test "$(sqlite3 "$db" "SELECT COUNT(*) FROM (SELECT order_id FROM fills GROUP BY order_id HAVING COUNT(*) > 1)")" = 0
check "the same number of orders as the uninterrupted run" test "$(sqlite3 "$db" "SELECT COUNT(*) FROM orders")" = "$(sqlite3 "$run1/state/warden.sqlite" "SELECT COUNT(*) FROM orders")"
check "warden positions shows the open positions" "$WARDEN" positions --json --config "$run2/warden.yml" --state-dir "$run2/state"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Risk limits: the engine and the backtester apply them identically.
run3=$(scratch)
cat >"$run3/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
engine:
  market_data: {file: $DATA, speed: 0}
  exchange: {starting_balance: 10000}
  strategies: [{name: bollinger}]
  risk: {max_position_notional: 4000, stop_loss_atr: 2, take_profit_atr: 3}
YAML
start_supervisor "$run3" "$run3/warden.yml"
wait_until 120 "a run with risk limits finishes" finished "$run3"
expect_risk=$("$WARDEN" backtest --strategy bollinger --data "$DATA" --cash 10000 --max-position-notional 4000 --stop-loss-atr 2 --take-profit-atr 3 --json | jq '.trades' | trade_lines)
check "with position cap, stop-loss and take-profit, the engine's trades equal the backtest's ($(wc -l <<<"$expect_risk") trades)" test "$(recorded "$run3" bollinger)" = "$expect_risk"
check "and the cap held: no entry above 4,000 USDT" test "$("$WARDEN" trades --json --config "$run3/warden.yml" --state-dir "$run3/state" | jq '[.[].trades[] | .quantity * .entry_price > 4000.000001] | any')" = false
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# The kill switch: a drawdown halt, an operator's pause surviving a SIGKILL, and resume.
run4=$(scratch)
cat >"$run4/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
engine:
  market_data: {file: $DATA, speed: 1200}
  strategies: [{name: rsi_macd}]
  risk: {max_drawdown: 0.01}
YAML
trading() { "$WARDEN" trading "$@" --config "$run4/warden.yml" --state-dir "$run4/state" --runtime-dir "$run4/run"; }
state_is() { [ "$(trading status --json 2>/dev/null | jq -r .state)" = "$1" ]; }
start_supervisor "$run4" "$run4/warden.yml"
wait_until 60 "a 1% drawdown halts new entries" state_is halted
check "warden trading status says why" grep -q "^halted: max drawdown" <<<"$(trading status)"
check "warden_engine_halted{reason=max_drawdown} is 1 on the supervisor's /metrics" bash -c "curl -fsS http://127.0.0.1:$(grep -o 'listen: 127.0.0.1:[0-9]*' "$run4/warden.yml" | cut -d: -f3)/metrics | grep -q '^warden_engine_halted{child=\"engine\",reason=\"max_drawdown\"} 1'"
check "the halt is recorded in the audit log" test "$(sqlite3 "$run4/state/warden.sqlite" "SELECT actor || ' ' || action FROM audit_log WHERE target = 'trading' ORDER BY id DESC LIMIT 1")" = "risk trading.halt"
check "warden trading resume lifts it" trading resume --by alice
wait_until 10 "the engine trades again" state_is trading
check "trading pause stops entries" trading pause --by bob
wait_until 10 "the engine reports paused" state_is paused
pid=$(child_field "$run4/run" engine .pid)
kill -KILL "$pid"
wait_until 30 "the engine is back after SIGKILL" child_replaced "$run4/run" engine "$pid"
wait_until 30 "and still paused (from the audit log)" state_is paused
check "the operators are in the audit log" test "$(sqlite3 "$run4/state/warden.sqlite" "SELECT group_concat(actor || ':' || action, ' ') FROM audit_log WHERE target = 'trading' AND actor != 'risk'")" = "alice:trading.resume bob:trading.pause"
check "and in the audit log category, relayed from the engine with who did what" \
  log_has "$run4/log" '.category == "audit" and .message == "trading.pause" and .metadata.actor == "bob" and .metadata.child == "engine"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Two markets on one clock, one account: BTC/USDT and ETH/USDT hourly (../shared/data), parity and SIGKILL.
SHARED=$ROOT/../shared/data
BTC1H=$SHARED/BTCUSDT-1h-2023-01-01_2024-01-10.csv; ETH1H=$SHARED/ETHUSDT-1h-2023-01-01_2024-01-10.csv
check "the shared BTC and ETH hourly files are beside the repository" test -f "$BTC1H" -a -f "$ETH1H"
two_config() {  # DIR SPEED
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
engine:
  markets: [{symbol: BTCUSDT, file: $BTC1H}, {symbol: ETH-USDT, file: $ETH1H}]
  market_data: {speed: $2}
  exchange: {starting_balance: 30000, fee_rate: 0.001, slippage_bps: 2}
  strategies: [{name: cci}, {name: rsi_macd}, {name: bollinger, params: {period: 30}}]
YAML
}
expected_two() {
  "$WARDEN" backtest --strategy cci --strategy rsi_macd --strategy bollinger --param bollinger.period=30 --data "BTC-USDT=$BTC1H" --data "ETH-USDT=$ETH1H" \
    --cash 30000 --fee 0.001 --slippage-bps 2 --json | jq --arg s "$1" '.slots[] | select(.strategy == $s) | .trades' | trade_lines
}
run6=$(scratch)
two_config "$run6" 0
start_supervisor "$run6" "$run6/warden.yml"
wait_until 120 "the engine replays both markets" finished "$run6"
for s in cci rsi_macd bollinger; do
  check "$s on BTC-USDT and ETH-USDT: the engine's trades equal warden backtest's on both markets ($(expected_two "$s" | wc -l) trades)" \
    test "$(recorded "$run6" "$s")" = "$(expected_two "$s")"
done
check "warden trades names both markets" test "$("$WARDEN" trades --json --config "$run6/warden.yml" --state-dir "$run6/state" | jq -r '[.[].market] | unique | join(",")')" = "BTC-USDT,ETH-USDT"
check "candles of both markets are stored for the warm-up" test "$(sqlite3 "$run6/state/warden.sqlite" "SELECT COUNT(DISTINCT symbol) FROM candles")" = 2
metrics6=$(curl -fsS "http://127.0.0.1:$(grep -o 'supervisor: {listen: 127.0.0.1:[0-9]*' "$run6/warden.yml" | cut -d: -f4)/metrics")
ours=$(grep '^warden_portfolio_correlation{' <<<"$metrics6" | grep 'a="BTC-USDT"' | grep 'b="ETH-USDT"' | awk '{print $2}')
theirs=$("$PY" -c "
import pandas as pd, sys
frames = [pd.read_csv(p).set_index('timestamp')['close'] for p in sys.argv[1:3]]
joined = pd.concat(frames, axis=1, join='inner').sort_index()
print(repr(float((joined / joined.shift(1) - 1).iloc[1:].tail(1000).corr().iloc[0, 1])))" "$BTC1H" "$ETH1H")
check "warden_portfolio_correlation{BTC-USDT,ETH-USDT} at the replay's end equals pandas' corr of the last 1,000 returns ($ours, $theirs)" \
  "$PY" -c "import sys; sys.exit(0 if abs(float('$ours') - float('$theirs')) < 1e-9 else 1)"
check "VaR and CVaR are exported for four methods at 95% and 99%, CVaR at least VaR, none negative" "$PY" -c "
import re, sys
text = sys.stdin.read()
def series(name): return {tuple(re.findall(r'(method|confidence)=\"([^\"]+)\"', l)): float(l.split()[-1]) for l in text.splitlines() if l.startswith(name + '{')}
v, c = series('warden_risk_var_ratio'), series('warden_risk_cvar_ratio')
sys.exit(0 if len(v) == 8 and v.keys() == c.keys() and all(c[k] >= v[k] - 1e-12 and v[k] >= -1e-12 for k in v) else 1)" <<<"$metrics6"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

run7=$(scratch)
two_config "$run7" 1500000
start_supervisor "$run7" "$run7/warden.yml"
crash_at "$run7" "two markets: " 0.2 0.45 0.7
wait_until 180 "two markets: the restarted engine finishes" finished "$run7"
for s in cci rsi_macd bollinger; do
  check "$s on two markets: after three crashes, the trades equal the uninterrupted run's" test "$(recorded "$run7" "$s")" = "$(recorded "$run6" "$s")"
done
check "two markets: no client order id was journaled twice, and as many orders as the uninterrupted run" \
  test "$(sqlite3 "$run7/state/warden.sqlite" "SELECT COUNT(*) - COUNT(DISTINCT client_order_id) FROM orders"):$(sqlite3 "$run7/state/warden.sqlite" "SELECT COUNT(*) FROM orders")" = "0:$(sqlite3 "$run6/state/warden.sqlite" "SELECT COUNT(*) FROM orders")"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Strategy changes at run time: journaled at a bar, checked against bounds, surviving SIGKILL, audited.
run8=$(scratch)
cat >"$run8/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
engine:
  market_data: {file: $DATA, speed: 3000}
  strategies: [{name: cci}, {name: bollinger}]
YAML
strategies() { "$WARDEN" strategies "$@" --config "$run8/warden.yml" --state-dir "$run8/state" --runtime-dir "$run8/run"; }
param_is() { [ "$(strategies list --json 2>/dev/null | jq -r --arg s "$1" --arg p "$2" '.[] | select(.name == $s) | .parameters[$p]')" = "$3" ]; }
active_is() { [ "$(strategies list --json 2>/dev/null | jq -r --arg s "$1" '.[] | select(.name == $s) | .active')" = "$2" ]; }
start_supervisor "$run8" "$run8/warden.yml"
wait_until 60 "warden strategies list answers" active_is cci true
check "the list has each strategy's parameters with their bounds" test "$(strategies list --json | jq -c '.[] | select(.name == "bollinger") | [.market, (.bounds | map(.name) | join(","))]')" = '["BTC-USDT","period,stddev"]'
out=$(strategies set bollinger period=1 2>&1); rc=$?
check "a parameter out of bounds is refused with the bound" test "$rc" != 0 -a -n "$(grep 'bollinger.period must be a whole number from 2 to 500, found 1' <<<"$out")"
check "warden strategies set bollinger period=40 is accepted" strategies set bollinger period=40 --by carol
wait_until 20 "the engine applies it at the next bar" param_is bollinger period 40
check "warden strategies deactivate cci is accepted" strategies deactivate cci --by dave
wait_until 20 "cci is inactive" active_is cci false
deactivated_at=$(sqlite3 "$run8/state/warden.sqlite" "SELECT at FROM strategy_events WHERE strategy = 'cci' AND kind = 'deactivate'")
wait_until 30 "the engine trades on for 200 bars" bash -c "[ \$(sqlite3 '$run8/state/warden.sqlite' 'SELECT COUNT(*) FROM equity_snapshots WHERE taken_at > ${deactivated_at:-0}') -gt 200 ]"
check "after the deactivation bar, cci opened nothing" test "$(sqlite3 "$run8/state/warden.sqlite" "SELECT COUNT(*) FROM orders WHERE client_order_id LIKE 'cci-%-entry' AND created_at > ${deactivated_at:-0}")" = 0
pid=$(child_field "$run8/run" engine .pid)
kill -KILL "$pid"
wait_until 30 "the engine is back after SIGKILL" child_replaced "$run8/run" engine "$pid"
wait_until 30 "and bollinger still has period 40 (from the journal)" param_is bollinger period 40
check "and cci is still inactive" active_is cci false
check "the changes are in the audit log with who made them" test "$(sqlite3 "$run8/state/warden.sqlite" "SELECT group_concat(actor || ':' || action, ' ') FROM audit_log WHERE target LIKE 'strategy:%'")" = "carol:strategy.set dave:strategy.deactivate"
check "and in strategy_events, each at a bar" test "$(sqlite3 "$run8/state/warden.sqlite" "SELECT group_concat(strategy || ':' || kind, ' ') FROM strategy_events WHERE at > 0")" = "bollinger:set_parameters cci:deactivate"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

finish
