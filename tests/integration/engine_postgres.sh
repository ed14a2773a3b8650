#!/usr/bin/env bash
# The engine journaling to a real PostgreSQL 15: parity with `warden backtest` on the same file, and
# crash recovery (SIGKILL mid-replay, twice) with the same trades and no order journaled or filled twice.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
source "$(dirname "$0")/postgres_lib.sh"
echo "the trading engine on PostgreSQL"

dir=$(scratch)
start_postgres "$dir"
for db in warden_once warden_crashed; do psql_at postgres "CREATE DATABASE $db" >/dev/null; done
run1=$dir/once; mkdir -p "$run1"
engine_config "$run1" "postgres://postgres@127.0.0.1:$PG_PORT/warden_once?sslmode=disable"
start_supervisor "$run1" "$run1/warden.yml"
wait_until 180 "the engine replays the whole file into PostgreSQL" finished "$run1"
for s in cci rsi_macd bollinger; do
  params=(); [ "$s" = bollinger ] && params=(--param period=30)
  check "$s: the trades read back from PostgreSQL equal warden backtest's ($(expected "$s" | wc -l) trades)" \
    test "$(recorded "$run1" "$s")" = "$(expected "$s")"
done
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

run2=$dir/crashed; mkdir -p "$run2"
engine_config "$run2" "postgres://postgres@127.0.0.1:$PG_PORT/warden_crashed?sslmode=disable"
start_supervisor "$run2" "$run2/warden.yml"
crash_at "$run2" "" 0.25 0.6
wait_until 180 "the restarted engine finishes the replay" finished "$run2"
check "it said it resumed from its journal" log_has "$run2/log" '.message == "engine resumed from its journal"'
for s in cci rsi_macd bollinger; do
  check "$s: after two crashes, the trades equal the uninterrupted run's" test "$(recorded "$run2" "$s")" = "$(recorded "$run1" "$s")"
done
check "no client order id was journaled twice" test "$(psql_at warden_crashed "SELECT count(*) - count(DISTINCT client_order_id) FROM orders")" = 0
check "no order was filled twice" test "$(psql_at warden_crashed "SELECT count(*) FROM (SELECT order_id FROM fills GROUP BY order_id HAVING count(*) > 1) t")" = 0
check "the same number of orders as the uninterrupted run" \
  test "$(psql_at warden_crashed "SELECT count(*) FROM orders")" = "$(psql_at warden_once "SELECT count(*) FROM orders")"
check "warden positions reads PostgreSQL" "$WARDEN" positions --json --config "$run2/warden.yml" --state-dir "$run2/state"
api=http://$(grep -o 'api: {listen: 127.0.0.1:[0-9]*' "$run2/warden.yml" | cut -d' ' -f3)/api/v1
echo 'postgres viewer 1' | "$WARDEN" user add pgviewer --role viewer --config "$run2/warden.yml" --state-dir "$run2/state" >/dev/null
token=$(curl -fsS -X POST "$api/auth/login" -H 'content-type: application/json' -d '{"username": "pgviewer", "password": "postgres viewer 1"}' | jq -r .access_token)
cci_fills=$(psql_at warden_crashed "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id JOIN strategies s ON s.id = o.strategy_id WHERE s.name = 'cci'")
check "the API pages PostgreSQL's fills by strategy: the total is the journal's ($cci_fills) and a page holds 5" \
  bash -c "curl -fsS '$api/trading/fills?strategy=cci&limit=5&cursor=2' -H 'authorization: Bearer $token' | jq -e '.total == $cci_fills and (.items | length) == 5 and all(.items[]; .strategy == \"cci\")'"

want_page=$(psql_at warden_crashed "SELECT string_agg(exchange_fill_id, ',' ORDER BY filled_at, id) FROM (SELECT * FROM fills ORDER BY filled_at, id LIMIT 50 OFFSET 300) t")
check "an unfiltered page deep in PostgreSQL's fills is psql's rows 300 to 349 in time order" \
  test "$(curl -fsS "$api/trading/fills?limit=50&cursor=300" -H "authorization: Bearer $token" | jq -r '[.items[].trade_id] | join(",")')" = "$want_page"

# Analytics over PostgreSQL's equity curve, against PostgreSQL's own arithmetic: daily closes by
# DISTINCT ON, returns by LAG, the sample deviation by stddev_samp.
oracle_sharpe=$(psql_at warden_crashed "
  WITH d AS (SELECT DISTINCT ON (taken_at / 86400000) taken_at / 86400000 AS day, equity FROM equity_snapshots ORDER BY taken_at / 86400000, taken_at DESC),
       r AS (SELECT equity / COALESCE(LAG(equity) OVER (ORDER BY day), (SELECT equity FROM equity_snapshots ORDER BY taken_at LIMIT 1)) - 1 AS ret FROM d)
  SELECT avg(ret) / stddev_samp(ret) * sqrt(365.25) FROM r")
check "the API's Sharpe over daily returns equals PostgreSQL's own computation ($oracle_sharpe)" \
  bash -c "curl -fsS '$api/analytics/performance' -H 'authorization: Bearer $token' | jq -e --argjson o '$oracle_sharpe' '((.sharpe - \$o) | fabs) < 1e-9 * ((\$o | fabs) + 1)'"
days=$(psql_at warden_crashed "SELECT count(DISTINCT taken_at / 86400000) FROM equity_snapshots")
last_equity=$(psql_at warden_crashed "SELECT equity FROM equity_snapshots ORDER BY taken_at DESC LIMIT 1")
check "the daily report has a row per UTC day in the journal ($days) and closes at its last equity" \
  bash -c "curl -fsS '$api/reports/daily' -H 'authorization: Bearer $token' | jq -e --argjson d '$days' --argjson e '$last_equity' 'length == \$d and ((.[-1].closing_equity - \$e) | fabs) < 1e-9'"
last_time=$(psql_at warden_crashed "SELECT max(taken_at) FROM equity_snapshots")
check "the equity curve from PostgreSQL has at most the points asked for and ends at the journal's last" \
  bash -c "curl -fsS '$api/operations/performance?points=100' -H 'authorization: Bearer $token' | jq -e '(.points | length) <= 100 and (.points | length) > 50 and .points[-1].time == $last_time'"
last_candle=$(psql_at warden_crashed "SELECT max(open_time) FROM candles")
check "a chart window read from PostgreSQL: the last 50 candles, ending at the journal's last, with the strategies' indicators" \
  bash -c "curl -fsS '$api/markets/BTC-USDT/candles?limit=50' -H 'authorization: Bearer $token' | jq -e '(.candles | length) == 50 and .candles[-1].time == $last_candle and (.candles | map(.time) | . == sort) and ([.indicators[].name] | index(\"cci_20\") != null) and .earlier == .candles[0].time - 1'"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
finish
