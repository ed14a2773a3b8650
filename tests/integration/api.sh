#!/usr/bin/env bash
# The API worker under the supervisor, with the real engine behind it: users made on the host,
# login, pausing the engine through the API (seen in `warden ctl status` and `warden trading
# status`), roles refused, the audit log, the blocklist, metrics through the supervisor, and
# schemathesis against the served OpenAPI document.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "the API worker"

dir=$(scratch)
api_port=$(free_port)
sup_port=$(free_port)
paper_api_config "$dir" 600 "$api_port" "$sup_port" "lockout: {failures: 3, window: 5m, block: 15m}"
W=(--config "$dir/warden.yml" --state-dir "$dir/state" --runtime-dir "$dir/run")
API=http://127.0.0.1:$api_port/api/v1

check "the first admin is made on the host, the password read from standard input" \
  bash -c "echo 'correct horse battery' | '$WARDEN' user add alice --role admin ${W[*]}"
echo 'operator password' | "$WARDEN" user add oscar --role operator "${W[@]}" >/dev/null
echo 'viewer password!' | "$WARDEN" user add vera --role viewer "${W[@]}" >/dev/null
check "a short password is refused with the reason" bash -c "echo short | '$WARDEN' user add bob --role viewer ${W[*]} 2>&1 | grep -q 'at least 12 characters'"
check "warden user list --json lists the three" test "$("$WARDEN" user list --json "${W[@]}" | jq -r '[.[].name] | join(",")')" = "alice,oscar,vera"

start_supervisor "$dir" "$dir/warden.yml"
wait_until 60 "the API child is running and ready" child_is "$dir/run" api running
token() {  # USER PASSWORD
  curl -fsS -X POST "$API/auth/login" -H 'content-type: application/json' -d "{\"username\": \"$1\", \"password\": \"$2\"}" | jq -r .access_token
}
oscar=$(token oscar 'operator password')
vera=$(token vera 'viewer password!')
alice=$(token alice 'correct horse battery')
check "login answers a bearer access token" test "$(cut -d. -f1 <<<"$oscar" | base64 -d 2>/dev/null | jq -r .alg)" = HS256
engine_trading() { [ "$(curl -fsS "$API/trading/status" -H "authorization: Bearer $1" | jq -r .status.state)" = "$2" ]; }
wait_until 60 "GET /trading/status reports the engine trading" engine_trading "$vera" trading
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "a viewer may not pause the engine (403)" test "$(code -X POST "$API/trading/stop" -H "authorization: Bearer $vera")" = 403
check "an operator pauses it through the API" bash -c "curl -fsS -X POST '$API/trading/stop' -H 'authorization: Bearer $oscar' | jq -e '.ok and (.message | contains(\"paused by oscar\"))'"
wait_until 30 "GET /trading/status then says paused" engine_trading "$vera" paused
check "warden trading status shows it paused by oscar" bash -c "'$WARDEN' trading status ${W[*]} | grep -q 'paused'"
check "warden ctl status shows the engine paused" bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -r '.children[] | select(.name == \"engine\") | .status_text' | grep -qi paused"
check "and POST /trading/start resumes it" bash -c "curl -fsS -X POST '$API/trading/start' -H 'authorization: Bearer $oscar' | jq -e .ok"
wait_until 30 "GET /trading/status says trading again" engine_trading "$vera" trading
check "the pause is in the audit log with who, role, where and result" \
  test "$(sqlite3 "$dir/state/warden.sqlite" "SELECT actor || '|' || detail FROM audit_log WHERE action = 'api.post' AND target = 'api:/trading/stop' AND actor = 'oscar'" | head -1)" = "oscar|role operator, from 127.0.0.1, result 200"
check "and in the audit log category" log_has "$dir/log" '.category == "audit" and .message == "api call" and .metadata.actor == "oscar"'
wait_until 120 "the engine makes a fill, and GET /trading/fills pages it" \
  bash -c "[ \"\$(curl -fsS '$API/trading/fills?limit=1' -H 'authorization: Bearer $vera' | jq '.items | length')\" = 1 ]"
check "fills match what warden trades reads from the same store" \
  test "$(curl -fsS "$API/trading/fills?limit=1000" -H "authorization: Bearer $vera" | jq '.total')" -ge 1

order() {  # TOKEN BODY: the status and body of POST /trading/orders
  curl -s -w '\n%{http_code}' -X POST "$API/trading/orders" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"
}
check "a viewer may not place a manual order (403)" test "$(order "$vera" '{"market": "BTCUSDT", "side": "buy", "quantity": 0.001}' | tail -1)" = 403
placed=$(order "$oscar" '{"market": "BTCUSDT", "side": "buy", "quantity": 0.001}')
manual_id=$(head -1 <<<"$placed" | jq -r .client_order_id)
check "an operator's manual market buy is accepted by the engine (201, $manual_id)" test "$(tail -1 <<<"$placed")" = 201
wait_until 60 "the manual order fills and its fill is listed with the manual slot" \
  bash -c "curl -fsS '$API/trading/fills?strategy=manual&limit=1000' -H 'authorization: Bearer $vera' | jq -e --arg id '$manual_id' '[.items[].client_order_id] | index(\$id) != null'"
check "a malformed order is refused naming the field, before the engine sees it" \
  test "$(order "$oscar" '{"market": "BTCUSDT", "side": "buy", "quantity": -1}' | head -1 | jq -r .error.field)" = quantity

# Live updates over the WebSocket: equity each bar, and a fill as the engine makes it.
WS=ws://127.0.0.1:$api_port/api/v1/ws
timeout 60 "$PY" "$ROOT/tests/integration/ws_client.py" "$WS" "$vera" equity,positions 20 >"$dir/ws-equity.log" 2>&1
check "a viewer's WebSocket gets ready, then equity and positions events" test "$(grep -c '"topic": "equity"' "$dir/ws-equity.log")" -ge 5
check "every event reached the client within 50 ms of the engine sending it (max $(jq -s 'map(select(.delay_ms)) | max_by(.delay_ms) | .delay_ms | floor' "$dir/ws-equity.log") ms)" \
  test "$(jq -s 'map(select(.delay_ms) | .delay_ms) | max < 50' "$dir/ws-equity.log")" = true
timeout 150 "$PY" "$ROOT/tests/integration/ws_client.py" "$WS" "$vera" fills 1 >"$dir/ws-fill.log" 2>&1
trade=$(jq -r 'select(.topic == "fills") | .data.trade_id' "$dir/ws-fill.log")
check "a fill made by the engine reaches the WebSocket client (trade $trade)" test -n "$trade"
wait_until 10 "and it is the same fill GET /trading/fills lists once journaled" \
  bash -c "curl -fsS '$API/trading/fills?limit=1000' -H 'authorization: Bearer $vera' | jq -e --arg t '$trade' '[.items[].trade_id] | index(\$t) != null'"
"$PY" - "$WS" >"$dir/ws-noauth.log" 2>&1 <<'PY'
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "topics": ["fills"]}))
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            print(closed.rcvd.code)
asyncio.run(main())
PY
check "a WebSocket that does not authenticate first is closed with 1008" test "$(tail -1 "$dir/ws-noauth.log")" = 1008

# Backtests as supervisor jobs, over the engine's own candle file.
backtest() {  # TOKEN BODY: the status and body of POST /backtests
  curl -s -w '\n%{http_code}' -X POST "$API/backtests" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"
}
check "a viewer may not start a backtest (403)" test "$(backtest "$vera" '{"strategies": ["cci"]}' | tail -1)" = 403
check "a backtest of an unknown strategy is refused naming the field" \
  test "$(backtest "$oscar" '{"strategies": ["macd"]}' | head -1 | jq -r .error.field)" = "strategies[0]"
started=$(backtest "$oscar" '{"strategies": ["cci"], "parameters": {"cci": {"period": 30}}, "from": 1617321600000, "to": 1618531199999, "fee": 0.002}')
job=$(head -1 <<<"$started" | jq -r .id)
check "an operator's backtest is accepted as a job at once (202, $job)" test "$(tail -1 <<<"$started")" = 202
job_state() { curl -fsS "$API/backtests/$job" -H "authorization: Bearer $vera" | jq -r .state; }
wait_until 120 "the job runs and is done" bash -c "[ \"\$(curl -fsS '$API/backtests/$job' -H 'authorization: Bearer $vera' | jq -r .state)\" = done ]"
check "it ran as the supervisor's one-off job backtest-$job, with one success" \
  bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -e '.jobs[] | select(.name == \"backtest-$job\") | .runs.success == 1'"
curl -fsS "$API/backtests/$job" -H "authorization: Bearer $vera" >"$dir/job.json"
"$WARDEN" backtest --strategy cci --param period=30 --data "BTC-USDT=$DATA" --from 2021-04-02 --to 2021-04-15 --fee 0.002 --json >"$dir/cli-backtest.json"
check "its result equals warden backtest --json for the same request: statistics and every trade ($(jq '.stats.trade_count' "$dir/cli-backtest.json") trades)" \
  test "$(jq -S '.result | {stats, trades, bars}' "$dir/job.json")" = "$(jq -S '{stats, trades, bars}' "$dir/cli-backtest.json")"
check "and its equity curve is there for a chart (at most 1000 points, starting at the cash)" \
  jq -e '(.result.equity | length) > 100 and (.result.equity | length) <= 1000 and .result.equity[0][1] == 10000' "$dir/job.json"
check "the job list holds it with its summary" \
  bash -c "curl -fsS '$API/backtests' -H 'authorization: Bearer $vera' | jq -e --arg id '$job' '.[] | select(.id == \$id) | .summary.trade_count > 0 and .request.requested_by == \"oscar\"'"
check "a finished backtest cannot be cancelled (409)" test "$(code -X POST "$API/backtests/$job/cancel" -H "authorization: Bearer $oscar")" = 409
mkdir -p "$dir/cancelled" && echo test >"$dir/cancelled/cancel"
"$WARDEN" backtest --strategy cci --data "BTC-USDT=$DATA" --job-dir "$dir/cancelled" >/dev/null 2>&1
check "a job that finds the cancel marker stops, says cancelled, and leaves no result" \
  bash -c "jq -e '.state == \"cancelled\"' '$dir/cancelled/progress.json' && [ ! -e '$dir/cancelled/result.json' ]"

# Optimisations as supervisor jobs: warden optimize over the same candle file, the run stored.
optimise() {  # TOKEN BODY: the status and body of POST /strategies/cci/optimise
  curl -s -w '\n%{http_code}' -X POST "$API/strategies/cci/optimise" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"
}
body='{"method": "grid", "search": {"period": {"low": 10, "high": 30, "step": 10}}, "from": 1617321600000, "to": 1618531199999, "min_trades": 1}'
check "a viewer may not start an optimisation (403)" test "$(optimise "$vera" "$body" | tail -1)" = 403
check "a range outside the parameter's bounds is refused naming it" \
  test "$(optimise "$oscar" '{"method": "grid", "search": {"period": {"low": 1, "high": 30}}}' | head -1 | jq -r .error.field)" = "search.period"
started=$(optimise "$oscar" "$body")
opt_job=$(head -1 <<<"$started" | jq -r .id)
check "an operator's optimisation is accepted as a job (202, $opt_job)" test "$(tail -1 <<<"$started")" = 202
wait_until 120 "the optimisation runs and is done" bash -c "[ \"\$(curl -fsS '$API/backtests/$opt_job' -H 'authorization: Bearer $vera' | jq -r .state)\" = done ]"
curl -fsS "$API/backtests/$opt_job" -H "authorization: Bearer $vera" >"$dir/opt.json"
"$WARDEN" optimize --strategy cci --data "BTC-USDT=$DATA" --method grid --param period=10:30:10 --from 1617321600000 --to 1618531199999 --min-trades 1 --json --no-store >"$dir/cli-opt.json"
check "its report equals warden optimize --json for the same search: trials, best, overfitting ($(jq -c .best.parameters "$dir/cli-opt.json"))" \
  test "$(jq -S '.result | del(.id)' "$dir/opt.json")" = "$(jq -S 'del(.id)' "$dir/cli-opt.json")"
check "the run is stored in oscar's name, with its trials" \
  test "$(sqlite3 "$dir/state/warden.sqlite" "SELECT actor || ' ' || evaluations || ' ' || (SELECT count(*) FROM optimisation_trials t WHERE t.run_id = r.id) FROM optimisation_runs r WHERE id = '$(jq -r .result.id "$dir/opt.json")'")" = "oscar 3 3"

# Recovery from the API: a runbook run as a supervisor job, recorded as any run is.
recover() { curl -s -w '\n%{http_code}' -X POST "$API/operations/recovery" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"; }
check "an operator may not start a recovery (403)" test "$(recover "$oscar" '{"runbook": "engine-not-trading", "dry_run": true}' | tail -1)" = 403
check "a runbook with destructive steps is refused without confirm_destructive (409)" \
  test "$(recover "$alice" '{"runbook": "restore-database"}' | tail -1)" = 409
check "an admin's dry run of engine-not-trading is started as a supervisor job (202)" \
  test "$(recover "$alice" '{"runbook": "engine-not-trading", "dry_run": true}' | tail -1)" = 202
wait_until 60 "the run is listed by GET /operations/recovery: alice, dry run, from the API" \
  bash -c "curl -fsS '$API/operations/recovery' -H 'authorization: Bearer $vera' | jq -e '.[] | select(.runbook == \"engine-not-trading\" and .actor == \"alice\" and .mode == \"dry_run\" and .trigger == \"api\")'"

# Analytics and reports over the engine's SQLite journal, against Python's own reading of it.
"$PY" - "$dir/state/warden.sqlite" >"$dir/oracle.json" <<'PY'
import json, sqlite3, statistics, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT taken_at, equity FROM equity_snapshots ORDER BY taken_at").fetchall()
closes = {}
for t, e in rows:
    closes[t // 86400000] = e
days = [closes[d] for d in sorted(closes)]
# The replay covers minutes, not days: Sharpe over minute returns (the last point of each minute).
minutes = {}
for t, e in rows:
    minutes[t // 60000] = e
closes_by_minute = [minutes[m] for m in sorted(minutes)]
returns = [b / a - 1 for a, b in zip([rows[0][1]] + closes_by_minute, closes_by_minute)]
sharpe = statistics.mean(returns) / statistics.stdev(returns) * (365.25 * 1440) ** 0.5
print(json.dumps({"days": len(days), "last": rows[-1][1], "sharpe": sharpe, "through": rows[-1][0]}))
PY
through=$(jq .through "$dir/oracle.json")
check "the daily report has a row per UTC day the journal held ($(jq .days "$dir/oracle.json")), each opening at the day before's close" \
  bash -c "curl -fsS '$API/reports/daily?to=$through' -H 'authorization: Bearer $vera' | jq -e --slurpfile o '$dir/oracle.json' 'length == \$o[0].days and ([range(1; length) as \$i | .[\$i].opening_equity == .[\$i - 1].closing_equity] | all)'"
check "as CSV with Accept: text/csv, a header and a line per day" \
  bash -c "[ \"\$(curl -fsS '$API/reports/daily?to=$through' -H 'authorization: Bearer $vera' -H 'accept: text/csv' | wc -l)\" = \$((\$(jq .days '$dir/oracle.json') + 1)) ]"
check "the performance's Sharpe over minute returns equals Python's statistics module on the same rows ($(jq .sharpe "$dir/oracle.json"))" \
  bash -c "curl -fsS '$API/analytics/performance?to=$through&returns_every_ms=60000' -H 'authorization: Bearer $vera' | jq -e --slurpfile o '$dir/oracle.json' '((.sharpe - \$o[0].sharpe) | fabs) < 1e-9 * ((\$o[0].sharpe | fabs) + 1)'"
check "the risk view names the engine's state and every limit" \
  bash -c "curl -fsS '$API/analytics/risk' -H 'authorization: Bearer $vera' | jq -e '(.state | length) > 0 and ([.limits[].name] | sort) == [\"daily_loss_limit\", \"max_drawdown\", \"max_position_notional\", \"max_total_exposure\"]'"

key=$("$WARDEN" apikey create --user alice --name ci --role viewer "${W[@]}" 2>/dev/null)
check "an API key made on the host works as a bearer token, at its own role" \
  test "$(curl -fsS "$API/auth/me" -H "authorization: Bearer $key" | jq -r .role)" = viewer
"$WARDEN" apikey revoke "$(cut -d_ -f2 <<<"$key")" "${W[@]}" >/dev/null
check "and is refused once revoked" test "$(code "$API/auth/me" -H "authorization: Bearer $key")" = 401

for _ in 1 2 3; do code "$API/auth/me" -H "authorization: Bearer forged" >/dev/null; done
check "three failures (api.lockout.failures) block the address: even a good token gets 403" test "$(code "$API/auth/me" -H "authorization: Bearer $alice")" = 403
check "the block is in the security log" log_has "$dir/log" '.category == "security" and .message == "address blocked after repeated authentication failures"'
check "warden api blocked lists it" test "$("$WARDEN" api blocked "${W[@]}")" = 127.0.0.1
check "warden api unblock lifts it" "$WARDEN" api unblock 127.0.0.1 "${W[@]}"
check "and the good token works again" test "$(code "$API/auth/me" -H "authorization: Bearer $alice")" = 200
check "the pause and the block are operator notices, newest first" \
  bash -c "curl -fsS '$API/notifications/notices' -H 'authorization: Bearer $vera' | jq -e '([.items[].kind] | index(\"auth.block\")) < ([.items[].kind] | index(\"trading.pause\"))'"
notice=$(curl -fsS "$API/notifications/notices" -H "authorization: Bearer $vera" | jq '.items[] | select(.kind == "auth.block") | .id' | head -1)
check "an operator marks the block's notice read, in their name" \
  bash -c "curl -fsS -X POST '$API/notifications/notices/$notice/read' -H 'authorization: Bearer $oscar' | jq -e '.read_by == \"oscar\"'"

metrics() { curl -fsS "http://127.0.0.1:$sup_port/metrics"; }
check "API request counts reach the supervisor's /metrics by route template" \
  bash -c "curl -fsS http://127.0.0.1:$sup_port/metrics | grep -q 'warden_api_requests_total{child=\"api\",route=\"/trading/stop\",method=\"POST\",code=\"200\"} 1'"
metrics >"$dir/metrics.txt"
check "and the authentication failures by reason: the revoked key and two forged tokens, then the block" \
  bash -c "grep -q 'warden_api_auth_failures_total{child=\"api\",reason=\"bad_key\"} 1' '$dir/metrics.txt' && grep -q 'warden_api_auth_failures_total{child=\"api\",reason=\"bad_token\"} 2' '$dir/metrics.txt' && grep -q 'warden_api_blocked_ips{child=\"api\"} 0' '$dir/metrics.txt'"
check "the API's latency histogram is there for APILatencyHigh" \
  bash -c "curl -fsS http://127.0.0.1:$sup_port/metrics | grep -q '^warden_api_request_duration_seconds_bucket{child=\"api\",route=\"/trading/status\"'"
check "the OpenAPI document is served and says 3.1" test "$(curl -fsS "$API/openapi.json" | jq -r .openapi)" = 3.1.0
check "the reference page is served by Warden itself" bash -c "curl -fsS http://127.0.0.1:$api_port/api/docs | grep -q 'Warden API'"

# Strategy slots made and archived at run time, journaled, and still there after a restart.
strategy_post() {  # TOKEN BODY: the status and body of POST /strategies
  curl -s -w '\n%{http_code}' -X POST "$API/strategies" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$2"
}
slot() {  # TOKEN NAME: the strategy's slot as GET /strategies lists it
  curl -fsS "$API/strategies" -H "authorization: Bearer $1" | jq -c --arg n "$2" '.strategies[] | select(.name == $n)'
}
slot_is() { slot "$1" "$2" | jq -e "$3" >/dev/null; }  # TOKEN NAME JQ
check "a viewer may not create a strategy (403)" test "$(strategy_post "$vera" '{"strategy": "rsi_macd"}' | tail -1)" = 403
check "a parameter out of its bounds is refused naming the field" \
  test "$(strategy_post "$oscar" '{"strategy": "rsi_macd", "parameters": {"rsi": 1000}}' | head -1 | jq -r .error.field)" = parameters
check "a strategy that already runs on the market is refused (409)" test "$(strategy_post "$oscar" '{"strategy": "cci"}' | tail -1)" = 409
check "an operator creates rsi_macd on the engine's market (202)" \
  test "$(strategy_post "$oscar" '{"strategy": "rsi_macd", "parameters": {"rsi": 10}}' | tail -1)" = 202
wait_until 30 "the engine runs it, with its parameters and its creator" \
  slot_is "$vera" rsi_macd '.active and .parameters.rsi == 10 and .created_by == "oscar" and (.archived | not)'
wait_until 10 "the creation is journaled as a strategy event by oscar" \
  bash -c "[ \"\$(sqlite3 '$dir/state/warden.sqlite' \"SELECT actor FROM strategy_events WHERE kind = 'create' AND strategy = 'rsi_macd'\")\" = oscar ]"
check "a viewer may not archive it (403)" test "$(code -X DELETE "$API/strategies/rsi_macd" -H "authorization: Bearer $vera")" = 403
check "the operator archives it" bash -c "curl -fsS -X DELETE '$API/strategies/rsi_macd' -H 'authorization: Bearer $oscar' | jq -e .ok"
wait_until 30 "it is listed archived and inactive" slot_is "$vera" rsi_macd '.archived and (.active | not)'
check "archiving it again is refused (409)" test "$(code -X DELETE "$API/strategies/rsi_macd" -H "authorization: Bearer $oscar")" = 409

# schemathesis, authenticated as the admin, against everything that is built (the documented
# 501s are left out: schemathesis counts any 5xx as a server error). Lockout and rate limits are
# raised for it in a second configuration, or its invalid logins would block the address.
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
sed -i 's/lockout: {failures: 3, window: 5m, block: 15m}/lockout: {failures: 1000000, window: 1s, block: 1s}\n  rate_limits: {rate: 100000, burst: 100000, login_rate: 100000, login_burst: 100000}/' "$dir/warden.yml"
start_supervisor "$dir" "$dir/warden.yml"
wait_until 60 "the API is back for schemathesis" bash -c "curl -fsS -o /dev/null $API/openapi.json"
wait_until 60 "the engine is back" child_is "$dir/run" engine running
alice=$(token alice 'correct horse battery')
wait_until 30 "after the restart rsi_macd is still there, archived, with its parameters and creator (from the journal, not the configuration)" \
  slot_is "$alice" rsi_macd '.archived and (.active | not) and .parameters.rsi == 10 and .created_by == "oscar"'
excluded=$(curl -fsS "$API/openapi.json" | jq -r '.paths[][] | select(.responses["501"]) | "--exclude-operation-id=\(.operationId)"')
# shellcheck disable=SC2086
if "$ROOT/.venv/oracles/bin/schemathesis" --config-file "$ROOT/tests/integration/schemathesis.toml" run "$API/openapi.json" --url "http://127.0.0.1:$api_port" -H "Authorization: Bearer $alice" \
    --checks all --max-examples 25 --seed 1 --no-color $excluded >"$dir/schemathesis.log" 2>&1; then
  pass "schemathesis: no server error, every answer conforms to the document ($(grep -E 'Tested:|generated' "$dir/schemathesis.log" | sed 's/^ *//' | tr '\n' ' '))"
else
  fail "schemathesis found problems" "$(sed -n '/^=* ERRORS =*$/,/^=* SUMMARY =*$/p; /^=* FAILURES =*$/,/^=* SUMMARY =*$/p' "$dir/schemathesis.log" | head -120)"
fi
check "after schemathesis, alice can still log in (nothing it sent took her account)" test -n "$(token alice 'correct horse battery')"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# TLS: the same worker on a certificate, answering HTTPS with HSTS.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
tls_port=$(free_port)
cat >"$dir/tls.yml" <<YAML
api: {listen: 127.0.0.1:$tls_port, tls: {cert_file: $dir/cert.pem, key_file: $dir/key.pem}}
YAML
WARDEN_CHILD_NAME=api-tls "$WARDEN" api --config "$dir/tls.yml" --state-dir "$dir/state" --runtime-dir "$dir/run" >"$dir/tls.log" 2>&1 &
CLEANUP_PIDS+=("$!")
wait_until 30 "the API serves HTTPS with the configured certificate" curl -fsS --cacert "$dir/cert.pem" -o /dev/null "https://127.0.0.1:$tls_port/api/v1/openapi.json"
check "under TLS every answer carries Strict-Transport-Security" \
  bash -c "curl -sS --cacert '$dir/cert.pem' -D - -o /dev/null https://127.0.0.1:$tls_port/api/v1/auth/me | grep -qi '^strict-transport-security: max-age='"
tls_url=https://127.0.0.1:$tls_port/api/v1
check "ALPN gives HTTP/2 to a client that offers it" \
  test "$(curl -sS --http2 --cacert "$dir/cert.pem" -o /dev/null -w '%{http_version}' "$tls_url/openapi.json")" = 2
check "and HTTP/1.1 to one that does not" \
  test "$(curl -sS --http1.1 --cacert "$dir/cert.pem" -o /dev/null -w '%{http_version}' "$tls_url/openapi.json")" = 1.1
h2_token=$(curl -fsS --http2 --cacert "$dir/cert.pem" -X POST "$tls_url/auth/login" -H 'content-type: application/json' \
  -d '{"username": "alice", "password": "correct horse battery"}' | jq -r .access_token)
check "a login over HTTP/2 answers a token that /auth/me takes over HTTP/2" \
  test "$(curl -fsS --http2 --cacert "$dir/cert.pem" -H "Authorization: Bearer $h2_token" "$tls_url/auth/me" | jq -r .name)" = alice
"$PY" - "wss://127.0.0.1:$tls_port/api/v1/ws" "$dir/cert.pem" "$h2_token" >"$dir/wss.log" 2>&1 <<'PY'
import asyncio, json, ssl, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], ssl=ssl.create_default_context(cafile=sys.argv[2])) as ws:
        await ws.send(json.dumps({"type": "auth", "token": sys.argv[3]}))
        print(await asyncio.wait_for(ws.recv(), 10))
asyncio.run(main())
PY
check "and the WebSocket still works under TLS (wss: the HTTP/1.1 side upgrades)" test "$(jq -r .type "$dir/wss.log" 2>/dev/null)" = ready
check "and plain HTTP on that port is not answered as HTTP" bash -c "! curl -fsS -o /dev/null --max-time 5 http://127.0.0.1:$tls_port/api/v1/openapi.json"
kill -TERM "${CLEANUP_PIDS[-1]}"
finish
