#!/usr/bin/env bash
# Alerting against real peers: promtool (the same rule tests pass both), a real SMTP server
# (aiosmtpd, STARTTLS with a test certificate), a real Alertmanager, and local fakes of Slack,
# Discord, Telegram, PagerDuty and Twilio that check each documented request. End to end on the
# binary: a SIGKILLed child fires a rule, the webhook gets an Alertmanager v4 payload; a receiver
# that is down keeps the notification in the outbox across a supervisor restart, then gets it once.
source "$(dirname "$0")/lib.sh"
echo "alerting: rules, routing, receivers, durable delivery"

# --- Rules: promtool and warden agree on every test file ------------------------------------
for file in "$ROOT"/prometheus/tests/*.yml "$ROOT"/tests/alerting/conformance_test.yml; do
  name=${file#"$ROOT"/}
  check "promtool passes $name" promtool test rules "$file"
  check "warden rules test passes $name" "$WARDEN" rules test "$file"
done
check "warden rules check accepts the shipped rules" "$WARDEN" rules check "$ROOT/prometheus/rules/warden.rules.yml"
neg=$(scratch)
sed 's/value: 0.16666666666666669}/value: 0.1666666666666667}/' "$ROOT/tests/alerting/conformance_test.yml" >"$neg/broken_test.yml"
cp "$ROOT/tests/alerting/conformance.rules.yml" "$neg/"
check "a wrong expectation fails promtool" bash -c "! promtool test rules '$neg/broken_test.yml'"
out=$("$WARDEN" rules test "$neg/broken_test.yml" 2>&1); rc=$?
check "and fails warden rules test too, naming the expression" test "$rc" = 1 -a -n "$(grep 'expr: rate(http_requests_total\[5m\])' <<<"$out")"

# --- Bad input: each a config error with file, line and key; nothing starts -----------------
bad=$(scratch)
expect_config_error() {  # DESCRIPTION PATTERN: $bad/warden.yml must be refused with a line matching PATTERN
  local out rc
  out=$("$WARDEN" check-config --config "$bad/warden.yml" 2>&1); rc=$?
  if [ "$rc" = 78 ] && grep -qE "$2" <<<"$out"; then pass "$1"; else fail "$1" "exit $rc: $out"; fi
}
cat >"$bad/warden.yml" <<'YAML'
alerting:
  route:
    receiver: ops
    routes:
      - matchers: ['severity=~"(critical"']
        receiver: ops
  receivers:
    - name: ops
      webhook_configs: [{url: http://127.0.0.1:9/hook}]
YAML
expect_config_error "an invalid matcher is refused with file, line and key" "warden.yml:5: alerting.route.routes\[0\].matchers\[0\]: invalid regular expression"
cat >"$bad/warden.yml" <<'YAML'
alerting:
  route:
    receiver: ops
    routes:
      - receiver: opps
  receivers:
    - name: ops
      webhook_configs: [{url: http://127.0.0.1:9/hook}]
YAML
expect_config_error "an unknown receiver in a route is refused, with a suggestion" "warden.yml:5: alerting.route.routes\[0\].receiver: undefined receiver 'opps' used in route; did you mean 'ops'\?"
cat >"$bad/rules.yml" <<'YAML'
groups:
  - name: g
    rules:
      - alert: Predicts
        expr: predict_linear(node_filesystem_avail_bytes[1h], 3600) < 0
YAML
printf 'alerting:\n  rule_files: [rules.yml]\n' >"$bad/warden.yml"
expect_config_error "a rule with PromQL outside the subset is refused, naming file, rule and construct" \
  "rules.yml:5: groups\[0\].rules\[0\].expr: alerting rule 'Predicts': function \"predict_linear\" is outside Warden's PromQL subset"
cat >"$bad/rules.yml" <<'YAML'
groups:
  - name: g
    rules:
      - alert: Templated
        expr: up == 0
        annotations:
          summary: "{{ $labels.instance | humanise }}"
YAML
expect_config_error "a template error is refused with its rule and key" \
  "rules.yml:7: groups\[0\].rules\[0\].annotations.summary: alerting rule 'Templated': template: function \"humanise\" not defined"
port=$(free_port)
printf 'supervisor: {listen: 127.0.0.1:%s}\nalerting:\n  rule_files: [rules.yml]\n' "$port" >"$bad/warden.yml"
"$WARDEN" supervise --config "$bad/warden.yml" --state-dir "$bad/state" --runtime-dir "$bad/run" >"$bad/log" 2>&1; rc=$?
check "supervise refuses to start with a bad rule (exit 78)" test "$rc" = 78
check "and started nothing: no child, no database" bash -c "! grep -q 'child started' '$bad/log' && ! test -e '$bad/state/warden.sqlite'"

# --- Peers: channel fakes, SMTP servers, Alertmanager ------------------------------------------
peers=$(scratch)
fake_port=$(free_port)
python3 "$ROOT/tests/fakes/receivers.py" "$fake_port" "$peers/requests.jsonl" & CLEANUP_PIDS+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$peers/key.pem" -out "$peers/cert.pem" -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
smtp_port=$(free_port); smtps_port=$(free_port); relay_port=$(free_port)
/usr/bin/python3 "$ROOT/tests/fakes/smtp_server.py" "$smtp_port" "$peers/mail.jsonl" starttls "$peers/cert.pem" "$peers/key.pem" >/dev/null 2>&1 & CLEANUP_PIDS+=($!)
/usr/bin/python3 "$ROOT/tests/fakes/smtp_server.py" "$smtps_port" "$peers/smtps.jsonl" smtps "$peers/cert.pem" "$peers/key.pem" >/dev/null 2>&1 & CLEANUP_PIDS+=($!)
/usr/bin/python3 "$ROOT/tests/fakes/smtp_server.py" "$relay_port" "$peers/relay.jsonl" plain >/dev/null 2>&1 & CLEANUP_PIDS+=($!)
am_port=$(free_port)
printf 'route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n' >"$peers/am.yml"
prometheus-alertmanager --config.file="$peers/am.yml" --storage.path="$peers/am" --web.listen-address="127.0.0.1:$am_port" \
  --cluster.listen-address= >"$peers/am.log" 2>&1 & CLEANUP_PIDS+=($!)
port_open() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_until 20 "the receiver fakes listen" port_open "$fake_port"
wait_until 20 "the SMTP servers listen (STARTTLS, SMTPS, plain relay)" bash -c "$(declare -f port_open); port_open $smtp_port && port_open $smtps_port && port_open $relay_port"
wait_until 30 "Alertmanager answers its API" curl -fsS "http://127.0.0.1:$am_port/api/v2/status"
requests() { curl -fsS "http://127.0.0.1:$fake_port/_control/log"; }
count() { requests | jq "[.[] | select($1)] | length"; }
count_is() { [ "$(count "$2")" = "$1" ]; }                                  # N FILTER, re-evaluated by wait_until
file_count_is() { [ "$(jq -s "[.[] | select($3)] | length" "$2" 2>/dev/null)" = "$1" ]; }  # N FILE FILTER

dir=$(scratch)
cat >"$dir/rules.yml" <<'YAML'
groups:
  - name: children
    rules:
      - alert: ChildRestarted
        expr: increase(warden_child_restarts_total[5m]) > 0
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.child }} restarted on {{ $labels.instance }}"
          description: "{{ $value | humanize }} restarts in 5 minutes ({{ $labels.reason }})"
YAML
sup_port=$(free_port)
export WARDEN_TEST_TWILIO_TOKEN=twilio-secret
cat >"$dir/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$sup_port}
children:
  - {name: c1, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: c2, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: c3, command: [$FIXTURE, ready], watchdog: 0s}
alerting:
  evaluation_interval: 1s
  rule_files: [rules.yml]
  external_labels: {site: test}
  alertmanagers: [http://127.0.0.1:$am_port]
  route:
    receiver: hook
    group_by: [alertname, child]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    routes:
      - matchers: ['child="c1"', 'severity="critical"']
        receiver: oncall
        continue: true
      - matchers: ['severity=~"critical|warning"']
        receiver: hook
  receivers:
    - name: hook
      webhook_configs: [{url: "http://127.0.0.1:$fake_port/webhook"}]
    - name: oncall
      pagerduty_configs: [{routing_key: R0UT1NGKEY0123456789012345678901, url: "http://127.0.0.1:$fake_port/v2/enqueue"}]
      slack_configs: [{api_url: "http://127.0.0.1:$fake_port/slack/T000/B000/XXXX", channel: "#ops", send_resolved: true}]
      discord_configs: [{webhook_url: "http://127.0.0.1:$fake_port/discord/1/abc"}]
      telegram_configs: [{api_url: "http://127.0.0.1:$fake_port", bot_token: "123456:telegram-secret", chat_id: -1001234}]
      sms_configs:
        - {api_url: "http://127.0.0.1:$fake_port", account_sid: AC0123456789abcdef0123456789abcdef, auth_token: "\${env:WARDEN_TEST_TWILIO_TOKEN}",
           from: "+15005550006", to: "+15005550001"}
      email_configs:
        - {to: ops@example.com, from: warden@example.com, smarthost: "127.0.0.1:$smtp_port", auth_username: warden,
           auth_password: mail-secret, tls_config: {ca_file: $peers/cert.pem}}
    - name: mail-smtps
      email_configs:
        - {to: ops@example.com, from: warden@example.com, smarthost: "127.0.0.1:$smtps_port", implicit_tls: true, auth_username: warden,
           auth_password: mail-secret, tls_config: {ca_file: $peers/cert.pem}}
    - name: mail-untrusted
      email_configs: [{to: ops@example.com, from: warden@example.com, smarthost: "127.0.0.1:$smtp_port", auth_username: warden, auth_password: mail-secret}]
    - name: relay-strict
      email_configs: [{to: ops@example.com, from: warden@example.com, smarthost: "127.0.0.1:$relay_port"}]
    - name: relay
      email_configs: [{to: ops@example.com, from: warden@example.com, smarthost: "127.0.0.1:$relay_port", require_tls: false}]
YAML
w() { "$WARDEN" "$@" --config "$dir/warden.yml" --state-dir "$dir/state"; }
check "check-config accepts the full alerting configuration" w check-config

# --- Each channel's documented request, through `warden notify test` ---------------------------
out=$(w notify test oncall 2>&1); rc=$?
check "notify test oncall delivers through all six channels" test "$rc" = 0 -a "$(grep -c ': delivered' <<<"$out")" = 6
for service in pagerduty slack discord telegram twilio; do
  check "the $service fake got exactly one request, as documented" test "$(count ".service == \"$service\" and (.problems | length) == 0")" = 1
done
check "Twilio got Basic auth from a \${env:} secret and a form body" test "$(count '.service == "twilio" and .body.To == "+15005550001"')" = 1
check "Telegram got HTML parse mode and the numeric chat id" test "$(count '.service == "telegram" and .body.parse_mode == "HTML" and .body.chat_id == -1001234')" = 1
check "the email arrived over STARTTLS, authenticated" test "$(jq -s '[.[] | select(.tls and .authenticated and (.data | test("Subject: \\[FIRING:1\\] WardenTestNotification")))] | length' "$peers/mail.jsonl")" = 1
check "notify test over SMTPS (implicit TLS) delivers" w notify test mail-smtps
check "and the SMTPS server got it" test "$(jq -s 'length' "$peers/smtps.jsonl")" = 1
out=$(w notify test mail-untrusted 2>&1); rc=$?
check "a server certificate not signed by a trusted CA is refused" test "$rc" = 1 -a -n "$(grep -i 'certificate' <<<"$out")"
out=$(w notify test relay-strict 2>&1); rc=$?
check "a relay without STARTTLS is refused while require_tls is true (the default)" test "$rc" = 1
check "nothing reached that relay" test ! -s "$peers/relay.jsonl"
check "with require_tls: false the local relay gets the mail" w notify test relay
check "in clear, without AUTH" test "$(jq -s '[.[] | select(.tls == false)] | length' "$peers/relay.jsonl")" = 1
out=$(w notify test nosuch 2>&1); rc=$?
check "notify test of an unknown receiver names the known ones" test "$rc" = 64 -a -n "$(grep "no receiver 'nosuch'" <<<"$out")"

# --- End to end: a SIGKILLed child fires the rule, every routed channel is notified ------------
start_supervisor "$dir" "$dir/warden.yml"
wait_until 30 "the supervisor is ready" supervisor_ready "$dir/run"
metric() { curl -fsS "http://127.0.0.1:$sup_port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
wait_until 20 "rules are being evaluated" bash -c "test \"\$(curl -fsS http://127.0.0.1:$sup_port/metrics | awk '\$1 == \"warden_rule_evaluations_total\" {print \$2}')\" -ge 2"
before=$(count '.service == "webhook"')
pid=$(child_field "$dir/run" c1 .pid)
kill -KILL "$pid"
wait_until 30 "c1 is restarted" child_replaced "$dir/run" c1 "$pid"
wait_until 30 "PagerDuty gets a trigger for ChildRestarted c1" count_is 1 '.service == "pagerduty" and .body.event_action == "trigger" and (.body.payload.summary | test("c1 restarted"))'
wait_until 30 "the webhook gets an Alertmanager v4 payload for it (continue: true)" count_is 1 \
  '.service == "webhook" and .body.version == "4" and .body.status == "firing" and .body.groupLabels.child == "c1" and .body.alerts[0].labels.alertname == "ChildRestarted" and .body.alerts[0].labels.reason == "signal" and (.problems | length) == 0'
check "Slack, Discord, Telegram and Twilio got it too" test "$(count '(.service == "slack" or .service == "discord" or .service == "telegram" or .service == "twilio") and (.problems | length) == 0')" = 8
wait_until 20 "the email of the alert arrived" file_count_is 1 "$peers/mail.jsonl" '.data | test("Subject: \\[FIRING:1\\] ChildRestarted \\(c1\\)")'
check "warden_notifications_total counts the webhook delivery" test "$(metric 'warden_notifications_total{receiver="hook",integration="webhook",result="delivered"}')" = 1
check "warden_alerts{state=\"firing\"} is 1" test "$(metric 'warden_alerts{state="firing"}')" = 1
am_lists() { [ "$(curl -fsS "http://127.0.0.1:$am_port/api/v2/alerts" | jq '[.[] | select(.labels.alertname == "ChildRestarted" and .labels.child == "c1" and .labels.site == "test" and .status.state == "active")] | length')" = 1 ]; }
wait_until 20 "Alertmanager lists the forwarded alert as active, with the external label" am_lists
out=$(w alerts --json)
check "warden alerts lists it firing, with labels, since and value" test "$(jq '[.[] | select(.name == "ChildRestarted" and .state == "firing" and .labels.child == "c1" and .value == 1)] | length' <<<"$out")" = 1
id=$(jq '.[] | select(.labels.child == "c1") | .id' <<<"$out")
check "warden alerts ack records who and why" w alerts ack "$id" --by alice --comment "looking into it"
dedup=$(requests | jq -r '[.[] | select(.service == "pagerduty" and .body.event_action == "trigger" and .body.dedup_key != null and (.body.dedup_key | startswith("warden-test") | not))][0].body.dedup_key')
wait_until 20 "PagerDuty gets acknowledge with the incident's dedup_key" count_is 1 ".service == \"pagerduty\" and .body.event_action == \"acknowledge\" and .body.dedup_key == \"$dedup\""
check "the acknowledgement is in the alert's history" test "$(w alerts --json | jq -r '.[] | select(.id == '"$id"') | .ackedBy')" = alice
check "a second ack of a missing alert is a usage error" bash -c "! $WARDEN alerts ack 999999 --by bob --config '$dir/warden.yml' --state-dir '$dir/state'"

# --- Silences ---------------------------------------------------------------------------------
sid=$(w silence add 'child="c2"' alertname=ChildRestarted --for 1h --comment "maintenance on c2")
check "silence add prints the new silence's id" test -n "$sid"
check "silence list shows it active" bash -c "$WARDEN silence list --config '$dir/warden.yml' --state-dir '$dir/state' | grep -q \"^$sid  active\""
check "a bad matcher is refused" bash -c "! $WARDEN silence add 'child=~\"(\"' --for 1h --comment x --config '$dir/warden.yml' --state-dir '$dir/state'"
evaluations() { metric warden_rule_evaluations_total; }
webhooks_c2() { count '.service == "webhook" and .body.groupLabels.child == "c2"'; }
pid=$(child_field "$dir/run" c2 .pid)
kill -KILL "$pid"
wait_until 30 "c2 is restarted" child_replaced "$dir/run" c2 "$pid"
c2_firing() { [ "$(w alerts --json | jq '[.[] | select(.labels.child == "c2" and .state == "firing")] | length')" = 1 ]; }
wait_until 30 "the c2 alert fires" c2_firing
mark=$(evaluations)
wait_until 20 "three more evaluations pass" bash -c "test \"\$(curl -fsS http://127.0.0.1:$sup_port/metrics | awk '\$1 == \"warden_rule_evaluations_total\" {print \$2}')\" -ge $((mark + 3))"
check "the silenced alert was not notified" test "$(webhooks_c2)" = 0
check "silence expire ends it" w silence expire "${sid:0:8}"
wait_until 20 "once expired, the c2 alert is notified" count_is 1 '.service == "webhook" and .body.groupLabels.child == "c2"'

# --- 429 with Retry-After, then a permanent 4xx to a dead letter -------------------------------
curl -fsS -X POST "http://127.0.0.1:$fake_port/_control/fail" -d '{"status": 429, "count": 1, "retry_after": "1"}'
pid=$(child_field "$dir/run" c3 .pid)
kill -KILL "$pid"
wait_until 30 "after a 429 with Retry-After: 1 the c3 notification is delivered on the next attempt" \
  count_is 1 '.service == "webhook" and .body.groupLabels.child == "c3" and .answered == 200'
check "the 429 was seen first" test "$(count '.service == "webhook" and .body.groupLabels.child == "c3" and .answered == 429')" = 1
check "warden_notifications_total counts the retry" test "$(metric 'warden_notifications_total{receiver="hook",integration="webhook",result="retried"}')" = 1
log_has "$dir/log" '.message == "notification failed; will retry" and (.metadata.error | test("429"))' && pass "the retry is logged with its reason" || fail "the retry is logged with its reason"
curl -fsS -X POST "http://127.0.0.1:$fake_port/_control/fail" -d '{"status": 403, "count": 1, "retry_after": null, "body": "{\"error\": \"forbidden\"}"}'
pid=$(child_field "$dir/run" c1 .pid)
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
check "the supervisor stops on SIGTERM" process_gone "$SUPERVISOR_PID"

# --- Receiver down: the outbox survives a restart, delivery happens once ----------------------
down=$(scratch)
down_port=$(free_port); down_sup=$(free_port)
cat >"$down/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$down_sup}
children: [{name: d1, command: [$FIXTURE, ready], watchdog: 0s}]
alerting:
  evaluation_interval: 1s
  rule_files: [$dir/rules.yml]
  route: {receiver: hook, group_by: [alertname, child], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}
  receivers:
    - name: hook
      webhook_configs: [{url: "http://127.0.0.1:$down_port/webhook"}]
    - name: denied
      webhook_configs: [{url: "http://127.0.0.1:$fake_port/webhook-denied"}]
YAML
start_supervisor "$down" "$down/warden.yml"
wait_until 30 "a supervisor whose receiver is down is ready" supervisor_ready "$down/run"
dmetric() { curl -fsS "http://127.0.0.1:$down_sup/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
dmetric_is() { [ "$(dmetric "$1")" = "$2" ]; }
dmetric_at_least() { [ "$(dmetric "$1")" -ge "$2" ] 2>/dev/null; }
# The restart counter must be seen at 0 first: a counter born at 1 has no increase (as in Prometheus).
wait_until 20 "the rules have seen the counters" dmetric_at_least warden_rule_evaluations_total 2
pid=$(child_field "$down/run" d1 .pid)
kill -KILL "$pid"
wait_until 30 "the notification waits in the outbox (warden_outbox_pending 1)" dmetric_is warden_outbox_pending 1
wait_until 20 "the failed attempt is logged" log_has "$down/log" '.message == "notification failed; will retry"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
# Stopped during a retry it may be left 'sending': start-up puts such rows back to pending.
check "the outbox row is still waiting in the database after the stop" \
  test "$(sqlite3 "$down/state/warden.sqlite" "SELECT count(*) FROM notification_outbox WHERE state IN ('pending', 'sending') AND integration = 'hook/webhook_configs[0]'")" = 1
python3 "$ROOT/tests/fakes/receivers.py" "$down_port" "$down/requests.jsonl" & CLEANUP_PIDS+=($!)
wait_until 20 "the receiver comes back" port_open "$down_port"
mv "$down/log" "$down/log.first"
start_supervisor "$down" "$down/warden.yml"
wait_until 30 "after the restart the notification is delivered" file_count_is 1 "$down/requests.jsonl" '.service == "webhook" and .body.groupLabels.child == "d1"'
mark=$(dmetric warden_rule_evaluations_total)
wait_until 20 "three more evaluations pass" bash -c "test \"\$(curl -fsS http://127.0.0.1:$down_sup/metrics | awk '\$1 == \"warden_rule_evaluations_total\" {print \$2}')\" -ge $((mark + 3))"
check "and it was delivered once: the restored alert is not a second page" test "$(jq -s 'length' "$down/requests.jsonl")" = 1
check "the outbox row is sent, after 2 or more attempts" \
  test "$(sqlite3 "$down/state/warden.sqlite" "SELECT count(*) FROM notification_outbox WHERE state = 'sent' AND attempts >= 2")" = 1
check "nothing is left pending" test "$(dmetric warden_outbox_pending)" = 0
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
finish
