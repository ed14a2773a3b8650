#!/usr/bin/env bash
# Live trading on BingX's USDT-M perpetual swap, against the local fake (bingx.py --market swap):
# the real binary under the supervisor. Long only and at most 1x: buys sized in BTC, every sell
# reduce-only, each position guarded by a reduce-only stop resting at BingX, positions reconciled.
source "$(dirname "$0")/lib.sh"
echo "BingX swap: contracts, one-way and hedge orders, stops resting at BingX, positions reconciled, ccxt's signatures"

source "$(dirname "$0")/bingx_lib.sh"
# config DIR FAKE_PORT: the engine alone on swap, its stop-loss two ATRs under each entry.
config() {
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
recovery: {enabled: false}
alerting: {evaluation_interval: 1s}
children:
  - {name: engine}
engine:
  symbol: BTC-USDT
  market_data: {source: bingx, transport: websocket, poll: 1s, silence: 3s}
  risk: {stop_loss_atr: 2}
  exchange: {kind: bingx, market: swap, api_key: "\${env:BX_KEY}", secret_key: "\${env:BX_SECRET}", ws_url: "ws://127.0.0.1:$(cat "$1/ws_port")/swap-market", base_url: "http://127.0.0.1:$2", reconcile_every: 2s, cancel_after: 30s}
YAML
}
placed() { jq -s "[.[] | select(.path == \"/openApi/swap/v2/trade/order\" and .method == \"POST\" and .code == 0 and ($2))] | length" "$1/bingx.jsonl"; }

# 1. warden exchange check on swap: the contract's rules from its precisions and minimums.
a=$(scratch)
pa=$(fake "$a" 2 swap)
config "$a" "$pa"
out=$("$WARDEN" exchange check --config "$a/warden.yml" 2>&1); rc=$?
check "exchange check passes against the swap fake (exit 0), naming swap" test "$rc" = 0 -a -n "$(grep -F 'exchange: bingx swap at' <<<"$out")"
check "BTC-USDT's rules come from the contract: tick 0.1, step 0.0001, minimums 0.0001 and 2 USDT" \
  test -n "$(grep -F 'market BTC-USDT: tick 0.1, step 0.0001, min quantity 0.0001, min notional 2' <<<"$out")"
check "the wallet's USDT is read (signed, the v3 balance)" test -n "$(grep -F 'USDT: 10000 free, 0 locked' <<<"$out")"

# 2. The engine trading on swap in one-way mode.
b=$(scratch)
pb=$(fake "$b" 2 swap)
config "$b" "$pb"
start_supervisor "$b" "$b/warden.yml"
sup_b=$(grep -o 'listen: 127.0.0.1:[0-9]*' "$b/warden.yml" | cut -d: -f3)
wait_until 60 "the engine is ready on BingX swap's klines" supervisor_ready "$b/run"
sells_at_fake() { [ "$(placed "$b" '.params.side == "SELL" and .params.type == "MARKET"')" -ge "$1" ]; }
wait_until 120 "strategies trade: two exits reach the fake" sells_at_fake 2
check "the account's position mode was read (one-way)" test "$(requests "$b" '.path == "/openApi/swap/v1/positionSide/dual" and .code == 0')" -ge 1
check "every order says positionSide=BOTH" test "$(placed "$b" '.params.positionSide != "BOTH"')" = 0
check "buys are sized in BTC, never by a quote amount" test "$(placed "$b" '.params.side == "BUY" and (.params.quoteOrderQty != null or .params.quantity == null)')" = 0
check "every sell is reduce-only: it can never open a short" test "$(placed "$b" '.params.side == "SELL" and .params.reduceOnly != "true"')" = 0
check "no order was refused for its signature, key, timestamp or parameters" \
  test "$(requests "$b" '.code == 100001 or .code == 100413 or .code == 100421 or .code == 80014 or .code == 109400')" = 0
check "each client order id was sent once" \
  test "$(jq -s '[.[] | select(.path == "/openApi/swap/v2/trade/order" and .method == "POST") | .params.clientOrderID] | (length == (unique | length))' "$b/bingx.jsonl")" = true
guarded() {  # the fake's open guards cover its position exactly, and the position is Warden's
  state "$pb" | jq -e '(.account.position > 0) and ((([.orders[] | select(.type == "STOP_MARKET" and (.status == "NEW" or .status == "PENDING")) | .origQty | tonumber] | add // 0) * 10000 | round) == (.account.position * 10000 | round))' >/dev/null
}
wait_until 120 "a position is held, guarded by reduce-only stops at BingX for all of it" guarded
check "each guard is a STOP_MARKET sell, reduce-only, at the mark price" \
  test "$(placed "$b" '.params.type == "STOP_MARKET"') $(placed "$b" '.params.type == "STOP_MARKET" and .params.side == "SELL" and .params.reduceOnly == "true" and .params.workingType == "MARK_PRICE" and (.params.stopPrice | tonumber) > 0')" = \
       "$(placed "$b" '.params.type == "STOP_MARKET"') $(placed "$b" '.params.type == "STOP_MARKET"')"
check "each guard was journaled as an order before it was sent" \
  test "$(db "$b" "SELECT count(*) FROM orders WHERE type = 'stop_market'")" -ge "$(placed "$b" '.params.type == "STOP_MARKET"')"
cancelled_guard() { [ "$(state "$pb" | jq '[.orders[] | select(.type == "STOP_MARKET" and (.status == "CANCELLED" or .status == "FILLED"))] | length')" -ge 1 ]; }
wait_until 120 "a guard is cancelled once its position exits (or fills as the stop)" cancelled_guard
closed_switch() { [ "$(requests "$b" '.path == "/openApi/swap/v2/trade/cancelAllAfter" and .params.type == "CLOSE"')" -ge 1 ]; }
wait_until 60 "with only guards open, the dead-man switch is closed (BingX's would cancel the stops too)" closed_switch
filled_everywhere() { [ "$(db "$b" "SELECT count(*) FROM fills")" = "$(state "$pb" | jq '[.orders[] | select(.executedQty | tonumber > 0)] | length')" ]; }
wait_until 30 "every fill at the fake is in the journal" filled_everywhere
same_position() {
  local journal fake_pos
  journal=$(db "$b" "SELECT COALESCE(SUM(CAST(quantity AS REAL)), 0) FROM positions")
  fake_pos=$(state "$pb" | jq .account.position)
  awk -v j="$journal" -v f="$fake_pos" 'BEGIN {exit !((j - f) * (j - f) < 1e-10)}'
}
wait_until 30 "the journal's position is BingX's" same_position
check "the engine never failed closed" test "$(db "$b" "SELECT count(*) FROM audit_log WHERE action = 'trading.fail_closed'")" = 0
stream() { state "$pb" | jq ".stream.$1"; }
check "the user stream needed no subscription and carried BingX's pushes" test "$(stream user_subscriptions) $(stream user_pushes | awk '{print ($1 >= 3)}')" = "0 1"
check "swap's text heartbeats were answered (Pong) on both streams" test "$(state "$pb" | jq '.stream | .pings >= 1 and .bad_pongs == 0 and .user_pongs >= 1')" = true
check "/metrics: warden_exchange_ws_connected for market and user" \
  test "$(metric_sum "$sup_b" warden_exchange_ws_connected 'stream="market"') $(metric_sum "$sup_b" warden_exchange_ws_connected 'stream="user"')" = "1 1"
check "the fake counted no rate-limit violation" test "$(state "$pb" | jq .violations)" = 0

# A SIGKILL while positions are guarded: the guards stay at BingX, and after the restart the engine
# reconciles them instead of sending them again.
guards_before=$(placed "$b" '.params.type == "STOP_MARKET"')
engine_pid=$(child_field "$b/run" engine .pid)
kill -KILL "$engine_pid"
new_pid() { [ "$(child_field "$b/run" engine .pid)" != "$engine_pid" ] && [ "$(child_field "$b/run" engine .state)" = running ]; }
wait_until 60 "the supervisor restarts the engine" new_pid
more_bars() { [ "$(state "$pb" | jq .closed)" -ge "$1" ]; }
later=$(( $(state "$pb" | jq .closed) + 20 ))
wait_until 60 "twenty more bars close" more_bars "$later"
check "no client order id reached BingX twice across the restart" \
  test "$(jq -s '[.[] | select(.path == "/openApi/swap/v2/trade/order" and .method == "POST") | .params.clientOrderID] | (length == (unique | length))' "$b/bingx.jsonl")" = true
wait_until 30 "after the restart every fill is journaled" filled_everywhere
wait_until 30 "and the journal's position is still BingX's" same_position

# A position changed behind Warden's back: the reconciliation fails closed and says why.
entries=$(placed "$b" '.params.side == "BUY"')
curl -fsS -X POST "http://127.0.0.1:$pb/_control/position" -d '{"BTC-USDT": "0.5"}' >/dev/null
trading() { "$WARDEN" trading status --json --runtime-dir "$b/run"; }
failed_closed() { [ "$(trading | jq -r .state)" = fail_closed ]; }
wait_until 30 "the engine fails closed" failed_closed
# (exits and the stops still run while it is closed: BingX's position may shrink from 0.5 meanwhile)
check "and says why: the journal's position against BingX's" \
  test -n "$(trading | jq -r .reason | grep -E '^balances differ from the journal: BTC-USDT: the journal.s position is [0-9.]+, the exchange.s 0\.[0-9]+$')"
fail_metric() { [ "$(metric_sum "$sup_b" warden_engine_fail_closed 'child="engine"')" = 1 ]; }
wait_until 10 "warden_engine_fail_closed is 1" fail_metric
later=$(( $(state "$pb" | jq .closed) + 30 ))
wait_until 60 "thirty more bars close" more_bars "$later"
check "no entry was sent meanwhile" test "$(placed "$b" '.params.side == "BUY"')" = "$entries"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
out=$("$PY" "$ROOT/tests/oracles/ccxt_bingx_sign.py" "$b/bingx.jsonl" "$BX_KEY" "$BX_SECRET" 2>&1); rc=$?
check "ccxt signs every swap request of this run identically: path, parameters, encoding, signature" test "$rc" = 0
[ "$rc" = 0 ] || printf '%s\n' "$out"
check "among them market buys and reduce-only sells, the guards' stops and their cancels" \
  test "$(grep -cE '^identical: (POST /openApi/swap/v2/trade/order (MARKET BUY|MARKET SELL|STOP_MARKET SELL)|DELETE /openApi/swap/v2/trade/order)$' <<<"$out")" = 4

# 3. Hedge mode: positionSide=LONG on both sides, no reduceOnly (BingX refuses it there).
h=$(scratch)
ph=$(FAKE_BINGX_HEDGED=1 fake "$h" 2 swap)
config "$h" "$ph"
start_supervisor "$h" "$h/warden.yml"
wait_until 60 "the engine is ready (hedge mode)" supervisor_ready "$h/run"
hedge_sells() { [ "$(placed "$h" '.params.side == "SELL" and .params.type == "MARKET"')" -ge 1 ]; }
wait_until 120 "an exit reaches the fake in hedge mode" hedge_sells
check "every order says positionSide=LONG and none carries reduceOnly" \
  test "$(placed "$h" '.params.positionSide != "LONG" or .params.reduceOnly != null')" = 0
check "none was refused for its position side" test "$(requests "$h" '.code == 109400 or .code == 80014')" = 0
filled_hedge() { [ "$(db "$h" "SELECT count(*) FROM fills")" = "$(state "$ph" | jq '[.orders[] | select(.executedQty | tonumber > 0)] | length')" ]; }
wait_until 30 "every fill at the fake is in the journal" filled_hedge
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

finish
