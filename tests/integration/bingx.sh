#!/usr/bin/env bash
# Live trading on BingX, against a local fake that checks every signature, timestamp and rate
# limit as BingX documents them and keeps a real order book: the real binary under the supervisor.
source "$(dirname "$0")/lib.sh"
echo "BingX: signed REST, the WebSocket market stream, the engine trading on the fake, unknown outcomes, rate limits, dry run"

source "$(dirname "$0")/bingx_lib.sh"
# config DIR FAKE_PORT KIND [TRANSPORT]: the engine alone, on BingX's data (its WebSocket stream, or
# REST polling), on KIND (bingx or paper).
config() {
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
recovery: {enabled: false}
children:
  - {name: engine}
engine:
  symbol: BTC-USDT
  market_data: {source: bingx, transport: ${4:-websocket}, poll: 1s, silence: 3s}
  exchange: {kind: $3, api_key: "\${env:BX_KEY}", secret_key: "\${env:BX_SECRET}", ws_url: "ws://127.0.0.1:$(cat "$1/ws_port")/market", base_url: "http://127.0.0.1:$2"}
YAML
  [ "$3" = paper ] && sed -i 's/, api_key: "${env:BX_KEY}", secret_key: "${env:BX_SECRET}"//' "$1/warden.yml"
  return 0
}
metric_is_e() { [ "$(curl -fsS "http://127.0.0.1:$sup_e/metrics" | awk '$1 ~ /^warden_engine_fail_closed/ {print $2}')" = "$1" ]; }
orders_at_fake_at_least() { [ "$(state "$1" | jq '.orders | length')" -ge "$2" ]; }

# 1. warden exchange check: clock, keys, the market's rules; a wrong secret fails, a key in clear is refused.
a=$(scratch)
pa=$(fake "$a")
config "$a" "$pa" bingx
out=$("$WARDEN" exchange check --config "$a/warden.yml" 2>&1); rc=$?
check "exchange check passes against the fake (exit 0)" test "$rc" = 0
check "it names the clock offset, the keys' validity and BTC-USDT's rules" \
  test -n "$(grep -E '^clock: BingX is -?[0-9]+ ms' <<<"$out")" -a -n "$(grep -F 'credentials: valid (balances read)' <<<"$out")" \
    -a -n "$(grep -F 'market BTC-USDT: tick 0.01, step 0.00001, min quantity 0.00001, min notional 5' <<<"$out")"
out=$(BX_SECRET=wrong "$WARDEN" exchange check --config "$a/warden.yml" 2>&1); rc=$?
check "a wrong secret: exit 1, BingX's signature error named" test "$rc $(grep -c 'Signature verification failed (venue code 100001)' <<<"$out")" = "1 1"
check "every signed request the fake saw carried a valid signature but the wrong-secret one" \
  test "$(requests "$a" '.code == 100001')" = 1
sed 's/"${env:BX_SECRET}"/plaintext-secret/' "$a/warden.yml" >"$a/clear.yml"
out=$("$WARDEN" check-config --config "$a/clear.yml" 2>&1); rc=$?
check "a secret key in clear is a configuration error (exit 78) naming the key" \
  test "$rc" = 78 -a -n "$(grep -F 'engine.exchange.secret_key: a key must not be written in clear' <<<"$out")"

# 2. The engine trading live on the fake: orders signed, each client id sent once, fills journaled.
b=$(scratch)
pb=$(fake "$b")
config "$b" "$pb" bingx
start_supervisor "$b" "$b/warden.yml"
sup_b=$(grep -o 'listen: 127.0.0.1:[0-9]*' "$b/warden.yml" | cut -d: -f3)
wait_until 60 "the engine is ready on BingX's klines" supervisor_ready "$b/run"
check "its STATUS says it trades live on BingX" grep -q '^engine: ' <<<"$(child_field "$b/run" engine .status_text)"
wait_until 90 "strategies trade: three orders reach the fake" orders_at_fake_at_least "$pb" 3
check "no order was refused for its signature, key or timestamp" test "$(requests "$b" '.code == 100001 or .code == 100413 or .code == 100421')" = 0
check "each client order id was sent once" \
  test "$(jq -s '[.[] | select(.path == "/openApi/spot/v1/trade/order") | .params.newClientOrderId] | (length == (unique | length))' "$b/bingx.jsonl")" = true
filled_everywhere() { [ "$(db "$b" "SELECT count(*) FROM fills")" = "$(state "$pb" | jq '[.orders[] | select(.status == "FILLED")] | length')" ]; }
wait_until 20 "every fill at the fake is in the journal" filled_everywhere
check "the journal's orders carry BingX's 19-digit ids, exactly" \
  test "$(db "$b" "SELECT group_concat(exchange_order_id) FROM (SELECT exchange_order_id FROM orders ORDER BY exchange_order_id LIMIT 2)")" = "1736012345678901235,1736012345678901236"
check "the warm-up history was never traded: no order decided before the engine started" \
  test "$(db "$b" "SELECT min(created_at) >= (SELECT min(open_time) FROM candles) + 300 * 60000 FROM orders")" = 1
check "/metrics counts the exchange's requests by endpoint and result" \
  test "$(metric_sum "$sup_b" warden_exchange_requests_total 'endpoint="/openApi/spot/v1/trade/order",method="POST",result="ok"')" -ge 3
check "the fake counted no rate-limit violation" test "$(state "$pb" | jq .violations)" = 0
check "buys' fees are charged in BTC, and the journal holds what arrived (fee asset BTC on every buy fill)" \
  test "$(db "$b" "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.side = 'buy' AND f.fee_asset <> 'BTC'")" = 0

# 2b. The bars came over BingX's WebSocket: subscribed as documented, every heartbeat answered, the
#     journal's candles the exchange's; a dropped and a silent connection are opened again and the
#     bars missed meanwhile read over REST, so the history has no hole.
stream() { state "$pb" | jq -r ".stream.$1"; }
check "the engine subscribed to BTC-USDT@kline_1min on the market stream; nothing refused" test "$(stream subscriptions) $(stream refused)" = "1 0"
check "every heartbeat was answered with its own id" test "$(state "$pb" | jq '.stream | .pings >= 1 and .bad_pongs == 0 and .pongs >= .pings - 1')" = true
check "bars came from the stream: REST's klines were read only for the warm-up" test "$(requests "$b" '.path == "/openApi/spot/v2/market/kline"')" -le 2
check "/metrics: warden_exchange_ws_connected{stream=\"market\"} is 1" test "$(metric_sum "$sup_b" warden_exchange_ws_connected 'stream="market"')" = 1
check "the journal's candles are BingX's bars, OHLCV exactly" "$PY" "$ROOT/tests/integration/candles_match.py" "$b/state/warden.sqlite" "$pb"
no_hole() { [ "$(db "$b" "SELECT count(*) = (max(open_time) - min(open_time)) / 60000 + 1 FROM candles")" = 1 ]; }
newest_bar() { db "$b" "SELECT max(open_time) FROM candles"; }
bars_after() { [ "$(newest_bar)" -gt "$1" ]; }
reconnects_at_least() { [ "$(metric_sum "$sup_b" warden_exchange_ws_reconnects_total 'stream="market"')" -ge "$1" ]; }
curl -fsS -X POST "http://127.0.0.1:$pb/_control/ws" -d '{"what": "drop"}' >/dev/null
wait_until 30 "the dropped stream is opened again" reconnects_at_least 1
mark=$(( $(newest_bar) + 10 * 60000 ))
wait_until 30 "bars flow again" bars_after "$mark"
check "the bars missed while it was down were read over REST: no hole in the journal's candles" no_hole
curl -fsS -X POST "http://127.0.0.1:$pb/_control/ws" -d '{"what": "silence", "seconds": 6}' >/dev/null
wait_until 30 "a stream silent past market_data.silence (3 s) is taken for dead and opened again" reconnects_at_least 2
check "the engine says why it reconnected" log_has "$b/log" '.message == "BingX'"'"'s market stream went silent; reconnecting"'
mark=$(( $(newest_bar) + 10 * 60000 ))
wait_until 40 "bars flow again after the silence" bars_after "$mark"
check "still no hole, and every candle still BingX's" test "$(no_hole && "$PY" "$ROOT/tests/integration/candles_match.py" "$b/state/warden.sqlite" "$pb" >/dev/null && echo ok)" = ok
check "the stream saw the engine connect again each time, one connection at a time" test "$(state "$pb" | jq '.stream | .connections >= 3 and .open == 1')" = true

# 2c. Manual trading through the engine's socket (warden order): a limit order rests at the fake and
#     is cancelled by its client id; a market buy fills and is journaled under the manual slot; a sell
#     beyond what manual buys bought is refused; each is audited with who asked.
ord() { "$WARDEN" order "$@" --config "$b/warden.yml" --state-dir "$b/state" --runtime-dir "$b/run"; }
out=$(ord place --market BTC-USDT --side buy --quantity 0.01 --type limit --price 1000 --by alice --json); rc=$?
limit_id=$(jq -r .client_order_id <<<"$out")
check "order place --type limit: exit 0, accepted, a client order id printed" test "$rc $(jq -r .state <<<"$out")" = "0 accepted" -a -n "$limit_id"
check "the fake holds it, resting at 1000 under that id" \
  test "$(state "$pb" | jq -r --arg id "$(tr 'A-Z-' 'a-z_' <<<"$limit_id")" '[.orders[] | select(.clientOrderID == $id)][0] | "\(.status) \(.price) \(.type)"')" = "NEW 1000 LIMIT"
check "order list shows it, from the manual slot" test "$(ord list --json | jq -r --arg id "$limit_id" '.[] | select(.client_order_id == $id) | "\(.strategy) \(.status)"')" = "manual accepted"
out=$(ord cancel "$limit_id" --by alice); rc=$?
check "order cancel CLIENT_ID: exit 0, cancelled" test "$rc" = 0 -a -n "$(grep -F "$limit_id cancelled" <<<"$out")"
check "and BingX cancelled it" test "$(state "$pb" | jq -r --arg id "$(tr 'A-Z-' 'a-z_' <<<"$limit_id")" '[.orders[] | select(.clientOrderID == $id)][0].status')" = CANCELED
out=$(ord place --market BTC-USDT --side buy --quantity 0.002 --by alice --json); rc=$?
buy_id=$(jq -r .client_order_id <<<"$out")
check "a manual market buy: exit 0, BingX answered filled" test "$rc $(jq -r .state <<<"$out")" = "0 filled"
manual_filled() { [ "$(db "$b" "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id WHERE o.client_order_id = '$buy_id' AND s.name = 'manual'")" = 1 ]; }
wait_until 20 "its fill is journaled under the manual slot" manual_filled
out=$(ord place --market BTC-USDT --side sell --quantity 1 --by alice 2>&1); rc=$?
check "a manual sell beyond what manual buys bought is refused (exit 1), nothing sent" \
  test "$rc" = 1 -a -n "$(grep -F 'a manual sell sells what manual buys bought' <<<"$out")"
out=$(ord place --market BTC-USDT --side buy --quantity 0.01 --type limit 2>&1); rc=$?
check "--type limit without --price is a usage error (exit 64) naming the flag" test "$rc" = 64 -a -n "$(grep -F -- '--type limit needs --price' <<<"$out")"
out=$(ord place --market DOGE-USDT --side buy --quantity 1 --by alice 2>&1); rc=$?
check "a market the engine does not trade is refused, naming the ones it does" test "$rc" = 1 -a -n "$(grep -F 'DOGE-USDT is not traded here (markets: BTC-USDT)' <<<"$out")"
check "the audit log has each, by alice" \
  test "$(db "$b" "SELECT group_concat(action, ',') FROM (SELECT action FROM audit_log WHERE actor = 'alice' ORDER BY id)")" = "order.place,order.cancel,order.place"

# 2d. The user data stream: a listen key made, spot.executionReport subscribed; an order is asked
#     about when BingX pushes a change (a resting one about every 15 s, not at every bar); a listen
#     key that expires is replaced; a clean stop deletes it (checked after step 5).
check "one listen key was made, with the API key header" test "$(requests "$b" '.path == "/openApi/user/auth/userDataStream" and .method == "POST" and .code == 0')" = 1
check "the user stream subscribed to spot.executionReport" test "$(stream user_subscriptions) $(stream bad_keys)" = "1 0"
check "/metrics: warden_exchange_ws_connected{stream=\"user\"} is 1" test "$(metric_sum "$sup_b" warden_exchange_ws_connected 'stream="user"')" = 1
out=$(ord place --market BTC-USDT --side buy --quantity 0.01 --type limit --price 1000 --by alice --json)
rest_id=$(jq -r .client_order_id <<<"$out"); rest_venue=$(tr 'A-Z-' 'a-z_' <<<"$rest_id")
closed_at_b() { [ "$(state "$pb" | jq .closed)" -ge "$1" ]; }
later=$(( $(state "$pb" | jq .closed) + 16 ))
wait_until 30 "eight seconds of bars close while it rests" closed_at_b "$later"
check "a resting order is not asked about at every bar while the stream is up (at most twice in 8 s)" \
  test "$(requests "$b" ".path == \"/openApi/spot/v1/trade/query\" and .params.clientOrderID == \"$rest_venue\"")" -le 2
ord cancel "$rest_id" --by alice >/dev/null
price=$(curl -fsS "http://127.0.0.1:$pb/openApi/spot/v2/market/kline?symbol=BTC-USDT&interval=1m&limit=2" | jq -r '.data[-1][4] * 1.01 | . * 100 | floor / 100')
out=$(ord place --market BTC-USDT --side buy --quantity 0.001 --type limit --price "$price" --by alice --json)
cross_id=$(jq -r .client_order_id <<<"$out")
crossed() { [ "$(db "$b" "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id WHERE o.client_order_id = '$cross_id'")" = 1 ]; }
wait_until 20 "a limit order that BingX fills later is journaled filled once the push arrives" crossed
check "BingX pushed its changes on the user stream" test "$(stream user_pushes)" -ge 3
curl -fsS -X POST "http://127.0.0.1:$pb/_control/ws" -d '{"what": "expire"}' >/dev/null
new_key() { [ "$(requests "$b" '.path == "/openApi/user/auth/userDataStream" and .method == "POST" and .code == 0')" = 2 ]; }
wait_until 20 "an expired listen key is replaced by a new one" new_key
user_back() { [ "$(state "$pb" | jq '.stream.user_open')" = 1 ] && [ "$(stream user_subscriptions)" = 2 ]; }
wait_until 20 "and the user stream subscribes again on it" user_back

# 3. An order accepted whose answer never comes: unknown, found by asking, never sent again.
before=$(state "$pb" | jq '.orders | length')
curl -fsS -X POST "http://127.0.0.1:$pb/_control/fail" -d '{"what": "timeout", "count": 1}' >/dev/null
timed_out() { [ "$(requests "$b" '.answer == "timeout"')" = 1 ]; }
wait_until 120 "the next order is accepted and its answer withheld" timed_out
lost=$(jq -rs '[.[] | select(.answer == "timeout")][0].params.newClientOrderId' "$b/bingx.jsonl")
resolved() { [ "$(db "$b" "SELECT status FROM orders WHERE replace(lower(client_order_id), '-', '_') = '$lost'")" = filled ]; }
wait_until 60 "the engine finds it by its client id and journals it filled" resolved
check "it was sent once, and asked about" \
  test "$(requests "$b" ".path == \"/openApi/spot/v1/trade/order\" and .params.newClientOrderId == \"$lost\"") $(requests "$b" ".path == \"/openApi/spot/v1/trade/query\" and .params.clientOrderID == \"$lost\"" | awk '{print ($1 >= 1)}')" = "1 1"
check "its fill is journaled once" test "$(db "$b" "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id WHERE replace(lower(o.client_order_id), '-', '_') = '$lost'")" = 1

# 4. A 429 storm: the engine waits as told and goes on; the limits are never exceeded.
curl -fsS -X POST "http://127.0.0.1:$pb/_control/fail" -d '{"what": "status", "status": 429, "count": 6, "retry_after": "1"}' >/dev/null
storm_over() { [ "$(requests "$b" '.answer == 429')" -ge 6 ]; }
wait_until 60 "six calls answered 429" storm_over
now=$(state "$pb" | jq '.orders | length')
wait_until 90 "trading goes on after the storm" orders_at_fake_at_least "$pb" $((now + 1))
check "/metrics counts the rate-limited answers" test "$(metric_sum "$sup_b" warden_exchange_requests_total 'result="rate_limited"')" -ge 1
check "still no violation of BingX's limits" test "$(state "$pb" | jq .violations)" = 0

# 5. SIGKILL of the engine while it trades: after the restart no client id reaches the fake twice
#    and every fill is journaled.
kill -KILL "$(child_field "$b/run" engine .pid)"
wait_until 60 "the supervisor restarts the engine" child_restarts_at_least "$b/run" engine 1
wait_until 60 "the restarted engine resumes from its journal" log_has "$b/log" '.message == "engine resumed from its journal"'
now=$(state "$pb" | jq '.orders | length')
wait_until 90 "and trades on" orders_at_fake_at_least "$pb" $((now + 1))
check "no client order id was sent twice across the restart" \
  test "$(jq -s '[.[] | select(.path == "/openApi/spot/v1/trade/order" and .answer != 429) | .params.newClientOrderId] | (length == (unique | length))' "$b/bingx.jsonl")" = true
wait_until 20 "every fill at the fake is in the journal" filled_everywhere
check "no exit was refused for want of BTC: each sold what its entry received, the dust left behind" \
  test "$(requests "$b" '.path == "/openApi/spot/v1/trade/order" and .params.side == "SELL" and .code == 100202')" = 0
check "and at least one exit sold" test "$(state "$pb" | jq '[.orders[] | select(.side == "SELL" and .status == "FILLED")] | length')" -ge 1
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
check "a clean stop deleted the listen key in use" \
  test "$(requests "$b" '.path == "/openApi/user/auth/userDataStream" and .method == "DELETE" and .code == 0')" = 1
out=$("$PY" "$ROOT/tests/oracles/ccxt_bingx_sign.py" "$b/bingx.jsonl" "$BX_KEY" "$BX_SECRET" 2>&1); rc=$?
check "ccxt signs every request of this run identically: path, parameters, encoding, signature" test "$rc" = 0
[ "$rc" = 0 ] || printf '%s\n' "$out"
check "among them market buys and sells, order queries and trade reads" \
  test "$(grep -cE '^identical: (POST /openApi/spot/v1/trade/order MARKET (BUY|SELL)|GET /openApi/spot/v1/trade/(query|myTrades))$' <<<"$out")" = 4
check "and the manual limit order and its cancel" \
  test "$(grep -cE '^identical: (POST /openApi/spot/v1/trade/order LIMIT BUY|POST /openApi/spot/v1/trade/cancel)$' <<<"$out")" = 2

# 6. A balance changed behind Warden's back: the check finds the exchange short of the journal and
#    the engine fails closed (no new entries), with the alert; once the balance is back it resumes.
e=$(scratch)
pe=$(fake "$e")
config "$e" "$pe" bingx
sed -i 's|base_url: "http://127.0.0.1:'"$pe"'"}|base_url: "http://127.0.0.1:'"$pe"'", reconcile_every: 2s}|' "$e/warden.yml"
printf 'alerting:\n  evaluation_interval: 1s\n' >>"$e/warden.yml"
# This account holds 5000 USDT (not the default starting_balance of 10000): a new journal starts from it.
curl -fsS -X POST "http://127.0.0.1:$pe/_control/balance" -d '{"USDT": "5000"}' >/dev/null
start_supervisor "$e" "$e/warden.yml"
sup_e=$(grep -o 'listen: 127.0.0.1:[0-9]*' "$e/warden.yml" | cut -d: -f3)
wait_until 60 "the engine is ready" supervisor_ready "$e/run"
# An order placed on the account by hand (on BingX's website): reported as external, left alone.
curl -fsS -X POST "http://127.0.0.1:$pe/_control/limit" -d '{"side": "BUY", "price": 1000, "qty": 0.001}' >/dev/null
external_reported() { [ "$(db "$e" "SELECT count(*) FROM audit_log WHERE action = 'order.external' AND actor = 'reconciliation'" 2>/dev/null)" = 1 ]; }
wait_until 30 "the reconciliation reports the order Warden did not place (audit: order.external)" external_reported
check "a new journal starts from the account's free USDT (5000), not from starting_balance" \
  log_has "$e/log" '.message == "a new journal starts from the BingX account'"'"'s free balance" and (.metadata.free | tonumber) == 5000'
first_entry() { jq -rs '[.[] | select(.path == "/openApi/spot/v1/trade/order" and .params.side == "BUY" and .code == 0)][0].params.quoteOrderQty // empty' "$e/bingx.jsonl"; }
has_entry() { [ -n "$(first_entry)" ]; }
wait_until 120 "a strategy enters" has_entry
check "each strategy's entry is sized on that equity (at most a third of 5000)" test "$(awk -v q="$(first_entry)" 'BEGIN {print (q <= 5000 / 3 + 0.01)}')" = 1
check "/metrics: warden_exchange_external_orders is 1" test "$(metric_sum "$sup_e" warden_exchange_external_orders 'child="engine"')" = 1
check "and it is left alone: still open at BingX, never cancelled" test "$(state "$pe" | jq -r '[.orders[] | select(.price == "1000")][0].status')" = NEW
check "nor does it fail trading closed" test "$("$WARDEN" trading status --json --runtime-dir "$e/run" | jq -r .state)" != fail_closed
holds_btc() { [ "$(state "$pe" | jq -r '.balances.BTC.free | tonumber > 0')" = true ]; }
wait_until 120 "a strategy holds BTC" holds_btc
btc=$(state "$pe" | jq -r .balances.BTC.free)
curl -fsS -X POST "http://127.0.0.1:$pe/_control/balance" -d '{"BTC": "0"}' >/dev/null
trading() { "$WARDEN" trading status --json --runtime-dir "$e/run"; }
failed_closed() { [ "$(trading | jq -r .state)" = fail_closed ]; }
wait_until 30 "the engine fails closed" failed_closed
check "and says why: the journal's BTC against the exchange's none" \
  test -n "$(trading | jq -r .reason | grep -E '^balances differ from the journal: BTC: the journal holds [0-9.]+, the exchange 0$')"
wait_until 10 "warden_engine_fail_closed is 1" metric_is_e 1
fail_alert() { "$WARDEN" alerts --json --config "$e/warden.yml" --state-dir "$e/state" --runtime-dir "$e/run" | jq -e '.[] | select(.name == "WardenEngineFailClosed" and .state == "firing")' >/dev/null; }
wait_until 20 "WardenEngineFailClosed fires" fail_alert
check "STATUS says FAIL_CLOSED" grep -q 'FAIL_CLOSED: balances differ' <<<"$(child_field "$e/run" engine .status_text)"
check "the audit log has it, by the reconciliation" test "$(db "$e" "SELECT count(*) FROM audit_log WHERE action = 'trading.fail_closed' AND actor = 'reconciliation'")" -ge 1
buys=$(requests "$e" '.path == "/openApi/spot/v1/trade/order" and .params.side == "BUY"')
sleep_bars() { [ "$(state "$pe" | jq .closed)" -ge "$1" ]; }
later=$(( $(state "$pe" | jq .closed) + 40 ))
wait_until 60 "forty more bars close" sleep_bars "$later"
check "no entry was sent meanwhile" test "$(requests "$e" '.path == "/openApi/spot/v1/trade/order" and .params.side == "BUY"')" = "$buys"
curl -fsS -X POST "http://127.0.0.1:$pe/_control/balance" -d "{\"BTC\": \"$btc\"}" >/dev/null
agrees() { [ "$(trading | jq -r .state)" != fail_closed ]; }
wait_until 30 "with the balance back, a check agrees and trading resumes by itself" agrees
wait_until 10 "warden_engine_fail_closed is 0" metric_is_e 0
check "the audit log says it was reconciled" test "$(db "$e" "SELECT count(*) FROM audit_log WHERE action = 'trading.reconciled'")" -ge 1
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 7. The dead-man switch: armed and refreshed while the engine runs; with the engine SIGSTOPped,
#    BingX's timer runs out and every open order is cancelled; a clean stop closes the timer.
g=$(scratch)
pg=$(fake "$g")
config "$g" "$pg" bingx
sed -i 's|base_url: "http://127.0.0.1:'"$pg"'"}|base_url: "http://127.0.0.1:'"$pg"'", cancel_after: 10s}|; s|  - {name: engine}|  - {name: engine, watchdog: 0s}|' "$g/warden.yml"
start_supervisor "$g" "$g/warden.yml"
sup_g=$(grep -o 'listen: 127.0.0.1:[0-9]*' "$g/warden.yml" | cut -d: -f3)
wait_until 60 "the engine is ready" supervisor_ready "$g/run"
switch() { state "$pg" | jq -r ".switch.$1"; }
refreshed() { [ "$(switch activations)" -ge 3 ]; }
wait_until 30 "the switch is armed at start and refreshed (every third of its 10 s)" refreshed
check "armed with timeOut 10" test "$(requests "$g" '.path == "/openApi/spot/v1/trade/cancelAllAfter" and .params.type == "ACTIVATE" and .params.timeOut == "10"')" -ge 3
check "/metrics exports BingX's deadline, in the future" \
  test "$(curl -fsS "http://127.0.0.1:$sup_g/metrics" | awk -v now="$(date +%s)" '$1 ~ /^warden_exchange_cancel_all_deadline_timestamp_seconds/ {print ($2 > now)}')" = 1
curl -fsS -X POST "http://127.0.0.1:$pg/_control/limit" -d '{"side": "BUY", "price": 1000, "qty": 0.001}' >/dev/null
check "an order rests open on the account" test "$(state "$pg" | jq '[.orders[] | select(.status == "NEW")] | length')" = 1
check "while the engine runs the timer never fires" test "$(switch fired)" = 0
engine_pid=$(child_field "$g/run" engine .pid)
kill -STOP "$engine_pid"
fired() { [ "$(switch fired)" = 1 ]; }
wait_until 30 "the engine hung: BingX's timer runs out" fired
check "and the open order is cancelled" test "$(state "$pg" | jq -r '[.orders[] | select(.price == "1000")][0].status')" = CANCELED
kill -CONT "$engine_pid"
before=$(switch activations)
rearmed() { [ "$(switch activations)" -gt "$before" ]; }
wait_until 30 "awake again, the engine re-arms the switch" rearmed
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
check "a clean stop closes the timer" test "$(switch closes) $(switch armed)" = "1 false"

# 8. Dry run: the paper exchange on BingX's data never sends an order.
c=$(scratch)
pc=$(fake "$c")
config "$c" "$pc" paper rest
start_supervisor "$c" "$c/warden.yml"
wait_until 60 "the dry-run engine is ready" supervisor_ready "$c/run"
paper_traded() { [ "$(db "$c" "SELECT count(*) FROM fills" 2>/dev/null)" -ge 2 ]; }
wait_until 120 "it trades on paper, on BingX's prices" paper_traded
check "and not one request went to BingX's order, account or trade endpoints" \
  test "$(requests "$c" '.path | test("/trade/|/account/")')" = 0
check "it polled the klines over REST (transport: rest)" test "$(requests "$c" '.path == "/openApi/spot/v2/market/kline"')" -ge 10
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

finish
