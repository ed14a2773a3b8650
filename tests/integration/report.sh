#!/usr/bin/env bash
# `warden report` from a real journal (the engine's replay): the period's P&L against the
# equity the store holds, its trades against `warden trades`, operator actions from the audit
# log, the XLSX read back by openpyxl equal to the CSV, the HTML's curve, the PDF printed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "reports"

dir=$(scratch)
engine_config "$dir"
start_supervisor "$dir" "$dir/warden.yml"
wait_until 180 "the engine replays the file into the journal" finished "$dir"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
R=(--config "$dir/warden.yml" --state-dir "$dir/state")
db=$dir/state/warden.sqlite
day_start=1618876800000  # 2021-04-20
day_end=$((day_start + 86400000))
sqlite3 "$db" "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($((day_start + 3600000)), 'olga', 'trading.pause', 'trading', 'checking a fill')"

json=$("$WARDEN" report daily --date 2021-04-20 --format json "${R[@]}")
opening=$(sqlite3 "$db" "SELECT equity FROM equity_snapshots WHERE taken_at < $day_start ORDER BY taken_at DESC LIMIT 1")
closing=$(sqlite3 "$db" "SELECT equity FROM equity_snapshots WHERE taken_at < $day_end ORDER BY taken_at DESC LIMIT 1")
check "the day's opening and closing equity are the store's last before and within it ($opening → $closing)" \
  jq -e --argjson o "$opening" --argjson c "$closing" '.period == "2021-04-20" and (.opening_equity - $o | fabs) < 1e-9 and (.closing_equity - $c | fabs) < 1e-9 and (.pnl - ($c - $o) | fabs) < 1e-6' <<<"$json"
expected=$("$WARDEN" trades --json "${R[@]}" | jq --argjson s "$day_start" --argjson e "$day_end" '[.[] | .trades[] | select(.exit_time != null and .exit_time >= $s and .exit_time < $e)] | length')
check "its closed trades are warden trades' that exit in the day ($expected)" jq -e --argjson n "$expected" '.totals.trades == $n and (.trades | length) == $n' <<<"$json"
check "per strategy and per market they add up to the total" \
  jq -e '([.by_strategy[].trades] | add // 0) == .totals.trades and ([.by_market[].trades] | add // 0) == .totals.trades' <<<"$json"
check "the operator's action that day is listed" jq -e '.actions[] | select(.actor == "olga" and .kind == "trading.pause")' <<<"$json"
points=$(sqlite3 "$db" "SELECT count(*) FROM equity_snapshots WHERE taken_at >= $day_start AND taken_at < $day_end")
check "the curve has the opening and every point of the day ($points)" jq -e --argjson n "$points" '(.equity | length) == $n + 1' <<<"$json"

month=$("$WARDEN" report monthly --date 2021-04-20 --format json "${R[@]}")
m_open=$(sqlite3 "$db" "SELECT equity FROM equity_snapshots WHERE taken_at < 1617235200000 ORDER BY taken_at DESC LIMIT 1")
m_open=${m_open:-$(sqlite3 "$db" "SELECT equity FROM equity_snapshots ORDER BY taken_at LIMIT 1")}
check "the month opens at its first point when nothing came before, and its daily equity is one row per day" \
  jq -e --argjson o "$m_open" '.period == "2021-04" and (.opening_equity - $o | fabs) < 1e-9 and (.daily | length) >= 28' <<<"$month"
check "an ISO week is labelled as one" bash -c "'$WARDEN' report weekly --date 2021-04-20 --format json ${R[*]} | jq -e '.period == \"2021-W16\"'"

"$WARDEN" report monthly --date 2021-04-20 --format csv "${R[@]}" >"$dir/month.csv"
"$WARDEN" report monthly --date 2021-04-20 --format xlsx --out "$dir/month.xlsx" "${R[@]}"
out=$("$PY" - "$dir/month.xlsx" "$dir/month.csv" <<'PY'
import csv, sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True)
assert book.sheetnames == ["summary", "trades", "daily equity"], book.sheetnames
sheet = [[c for c in row] for row in book["trades"].iter_rows(values_only=True)]
rows = list(csv.reader(open(sys.argv[2])))
assert sheet[0] == tuple(rows[0]) or list(sheet[0]) == rows[0], (sheet[0], rows[0])
for mine, theirs in zip(sheet[1:], rows[1:]):
    for a, b in zip(mine, theirs):
        assert (str(a) == b) if isinstance(a, str) else abs(float(a) - float(b)) <= 1e-9 * max(1, abs(float(b))), (mine, theirs)
assert len(sheet) == len(rows), (len(sheet), len(rows))
summary = dict(book["summary"].iter_rows(values_only=True))
print(len(rows) - 1, summary["period"], int(summary["trades"]))
PY
)
check "the XLSX read back by openpyxl has the three sheets, its trades equal the CSV's ($out)" test -n "$out" -a "$(cut -d' ' -f1 <<<"$out")" = "$(cut -d' ' -f3 <<<"$out")"
"$WARDEN" report daily --date 2021-04-20 --format html --out "$dir/day.html" "${R[@]}"
check "the HTML draws the day's curve as SVG with one vertex per point" \
  test "$(grep -o '<polyline points="[^"]*"' "$dir/day.html" | tr ' ' '\n' | grep -c ,)" = $((points + 1))
"$WARDEN" report daily --date 2021-04-20 --format pdf --out "$dir/day.pdf" "${R[@]}"
check "the PDF is printed from the same page" bash -c "head -c 5 '$dir/day.pdf' | grep -q '%PDF-' && pdftotext '$dir/day.pdf' - | grep -q 'Warden daily report 2021-04-20'"
text=$("$WARDEN" report daily --date 2021-04-20 "${R[@]}")
check "the text report names the P&L and the operator action" bash -c "grep -q 'P&L' <<<'$text' && grep -q 'olga trading.pause' <<<'$text'"
out=$("$WARDEN" report yearly "${R[@]}" 2>&1); rc=$?
check "an unknown period is a usage error" test "$rc" = 64 -a -n "$(grep 'daily, weekly or monthly' <<<"$out")"
out=$("$WARDEN" report daily --format xlsx "${R[@]}" 2>&1); rc=$?
check "a workbook needs --out" test "$rc" = 64 -a -n "$(grep 'name it with --out' <<<"$out")"
# --- Sent on a schedule: the `reports` job's command against a real SMTP server and the chat fakes
peers=$(scratch)
fake_port=$(free_port); relay_port=$(free_port)
python3 "$ROOT/tests/fakes/receivers.py" "$fake_port" "$peers/requests.jsonl" & CLEANUP_PIDS+=($!)
/usr/bin/python3 "$ROOT/tests/fakes/smtp_server.py" "$relay_port" "$peers/relay.jsonl" plain >/dev/null 2>&1 & CLEANUP_PIDS+=($!)
port_open() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_until 20 "the SMTP server and the chat fakes listen" bash -c "$(declare -f port_open); port_open $fake_port && port_open $relay_port"
cat >>"$dir/warden.yml" <<YAML
reports: {periods: [daily], receivers: [desk], format: pdf}
alerting:
  route: {receiver: desk}
  receivers:
    - name: desk
      email_configs: [{to: desk@example.com, from: warden@example.com, smarthost: "127.0.0.1:$relay_port", require_tls: false}]
      slack_configs: [{api_url: "http://127.0.0.1:$fake_port/slack/T000/B000/XXXX", channel: "#desk"}]
      telegram_configs: [{api_url: "http://127.0.0.1:$fake_port", bot_token: "123456:telegram-secret", chat_id: -1001234}]
      webhook_configs: [{url: "http://127.0.0.1:$fake_port/webhook"}]
YAML
requests() { curl -fsS "http://127.0.0.1:$fake_port/_control/log"; }
curl -fsS -X POST "http://127.0.0.1:$fake_port/_control/fail" -d '{"status": 503, "count": 1, "path": "/slack/"}'
out=$("$WARDEN" report send --date 2021-04-20 "${R[@]}" 2>&1); rc=$?
check "a send with one channel down exits 1 and names it; the others are delivered, the webhook takes no report" \
  test "$rc" = 1 -a -n "$(grep 'slack_configs\[0\]: daily 2021-04-20 FAILED' <<<"$out")" -a "$(grep -c 'daily 2021-04-20 delivered' <<<"$out")" = 2 \
  -a -n "$(grep 'webhook_configs\[0\]: takes no reports' <<<"$out")"
mail=$("$PY" - "$peers/relay.jsonl" "$dir/mailed.pdf" <<'PY'
import email, json, sys
from email import policy
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 1, len(lines)
message = email.message_from_string(lines[0]["data"], policy=policy.default)
assert message["Subject"] == "Warden daily report 2021-04-20", message["Subject"]
assert message.get_content_type() == "multipart/mixed", message.get_content_type()
text, attachment = list(message.iter_parts())
assert text.get_content().startswith("Warden daily 2021-04-20: P&L"), text.get_content()[:80]
assert attachment.get_filename() == "warden-daily-2021-04-20.pdf" and attachment.get_content_type() == "application/pdf"
open(sys.argv[2], "wb").write(attachment.get_content())
print(lines[0]["to"][0])
PY
)
check "the email (a real SMTP server) carries the summary and the PDF as a MIME attachment" \
  bash -c "test '$mail' = desk@example.com && pdftotext '$dir/mailed.pdf' - | grep -q 'Warden daily report 2021-04-20'"
check "Telegram got the summary as plain text, checked as its API documents" \
  test "$(requests | jq '[.[] | select(.service == "telegram" and (.problems | length) == 0 and (.body.text | startswith("Warden daily 2021-04-20: P&L")) and .body.parse_mode == null)] | length')" = 1
out=$("$WARDEN" report send --date 2021-04-20 "${R[@]}" 2>&1); rc=$?
check "the next run sends only what failed: Slack now, the others already had it" \
  test "$rc" = 0 -a -n "$(grep 'slack_configs\[0\]: daily 2021-04-20 delivered' <<<"$out")" -a "$(grep -c 'already sent' <<<"$out")" = 2
check "so each channel has the report once (one email, one Telegram message, one Slack message taken)" \
  test "$(jq -s length "$peers/relay.jsonl") $(requests | jq -c '[.[] | select(.answered == 200) | .service] | sort')" = '1 ["slack","telegram"]'
check "Slack's message is the summary, sent to the configured channel" \
  test "$(requests | jq '[.[] | select(.service == "slack" and .answered == 200 and .body.channel == "#desk" and (.body.text | startswith("Warden daily 2021-04-20")))] | length')" = 1
sqlite3 "$db" "DELETE FROM report_deliveries"
out=$("$WARDEN" report send "${R[@]}" 2>&1); rc=$?
check "the default period (yesterday, before any journal) sends nothing and says why" \
  test "$rc" = 0 -a -n "$(grep 'nothing is journaled in the period; not sent' <<<"$out")"
out=$("$WARDEN" report send --receiver nobody "${R[@]}" 2>&1); rc=$?
check "an unknown receiver is a configuration error naming it" test "$rc" = 78 -a -n "$(grep "no receiver 'nobody' in alerting.receivers" <<<"$out")"
start_supervisor "$dir" "$dir/warden.yml"
wait_until 60 "the supervisor lists the reports job" bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -e '.jobs[] | select(.name == \"reports\")'"
wait_until 30 "ctl run reports starts it now" "$WARDEN" ctl run reports --runtime-dir "$dir/run"
wait_until 120 "the reports job, started now, runs report send and succeeds" \
  bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -e '.jobs[] | select(.name == \"reports\") | .runs.success == 1'"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
finish
