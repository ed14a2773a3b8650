#!/usr/bin/env bash
# Alerting on a real PostgreSQL 15: the outbox, notification log, alert history, silences and
# acknowledgements in PostgreSQL; a notification waiting for a receiver that is down survives a
# supervisor restart and is delivered once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/postgres_lib.sh"
echo "alerting on PostgreSQL"

dir=$(scratch)
start_postgres "$dir"
psql_at postgres "CREATE DATABASE warden" >/dev/null
export WARDEN_TEST_DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/warden?sslmode=disable"
hook_port=$(free_port); sup_port=$(free_port)
cat >"$dir/rules.yml" <<'YAML'
groups:
  - name: children
    rules:
      - alert: ChildRestarted
        expr: increase(warden_child_restarts_total[5m]) > 0
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.child }} restarted"}
YAML
cat >"$dir/warden.yml" <<YAML
database: {url: "\${env:WARDEN_TEST_DB_URL}"}
supervisor: {listen: 127.0.0.1:$sup_port}
children:
  - {name: p1, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: p2, command: [$FIXTURE, ready], watchdog: 0s}
alerting:
  evaluation_interval: 1s
  rule_files: [rules.yml]
  route: {receiver: hook, group_by: [alertname, child], group_wait: 0s, group_interval: 1s, repeat_interval: 1h}
  receivers:
    - name: hook
      webhook_configs: [{url: "http://127.0.0.1:$hook_port/webhook"}]
YAML
w() { "$WARDEN" "$@" --config "$dir/warden.yml" --state-dir "$dir/state"; }
metric() { curl -fsS "http://127.0.0.1:$sup_port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
metric_at_least() { [ "$(metric "$1")" -ge "$2" ] 2>/dev/null; }
webhooks_for() { jq -s "[.[] | select(.service == \"webhook\" and .body.groupLabels.child == \"$1\" and (.problems | length) == 0)] | length" "$dir/requests.jsonl" 2>/dev/null; }
webhooks_for_is() { [ "$(webhooks_for "$1")" = "$2" ]; }

# The receiver is down: the notification waits in PostgreSQL's outbox.
start_supervisor "$dir" "$dir/warden.yml"
wait_until 30 "the supervisor is ready on PostgreSQL" supervisor_ready "$dir/run"
wait_until 20 "the rules have seen the counters" metric_at_least warden_rule_evaluations_total 2
pid=$(child_field "$dir/run" p1 .pid)
kill -KILL "$pid"
wait_until 30 "the notification waits in the outbox" metric_is warden_outbox_pending 1
# A retry may be in flight at this instant ('sending'); either way the row waits for delivery.
check "the waiting row is in PostgreSQL, payload as JSONB" \
  test "$(psql_at warden "SELECT payload->>'groupKey' FROM notification_outbox WHERE state IN ('pending', 'sending')")" = '{}:{alertname="ChildRestarted", child="p1"}'
check "the alert is in the history as firing" test "$(psql_at warden "SELECT state || ' ' || (labels->>'child') FROM alerts")" = "firing p1"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
python3 "$ROOT/tests/fakes/receivers.py" "$hook_port" "$dir/requests.jsonl" & CLEANUP_PIDS+=($!)
mv "$dir/log" "$dir/log.first"
start_supervisor "$dir" "$dir/warden.yml"
wait_until 30 "after the restart the notification is delivered" webhooks_for_is p1 1
check "the restart restored the firing alert (no new episode)" test "$(psql_at warden "SELECT count(*) FROM alerts WHERE labels->>'child' = 'p1'")" = 1
mark=$(metric warden_rule_evaluations_total)
wait_until 20 "three more evaluations pass" metric_at_least warden_rule_evaluations_total $((mark + 3))
check "and it was delivered once" webhooks_for_is p1 1
check "the notification log is in PostgreSQL" test "$(psql_at warden "SELECT count(*) FROM notification_log")" = 1

# Operator verbs on PostgreSQL.
sid=$(w silence add 'child="p2"' --for 1h --comment "maintenance")
check "silence add on PostgreSQL" test -n "$sid"
pid=$(child_field "$dir/run" p2 .pid)
kill -KILL "$pid"
p2_firing() { [ "$(w alerts --json | jq '[.[] | select(.labels.child == "p2" and .state == "firing")] | length')" = 1 ]; }
wait_until 30 "the p2 alert fires" p2_firing
mark=$(metric warden_rule_evaluations_total)
wait_until 20 "three more evaluations pass" metric_at_least warden_rule_evaluations_total $((mark + 3))
check "the silenced alert is not notified" webhooks_for_is p2 0
check "silence expire on PostgreSQL" w silence expire "$sid"
wait_until 20 "once expired, it is notified" webhooks_for_is p2 1
out=$(w alerts --json)
check "warden alerts reads PostgreSQL" test "$(jq '[.[] | select(.labels.child == "p2" and .state == "firing")] | length' <<<"$out")" = 1
id=$(jq '.[] | select(.labels.child == "p2") | .id' <<<"$out")
check "warden alerts ack on PostgreSQL" w alerts ack "$id" --by bob --comment "on it"
check "the acknowledgement is recorded" test "$(psql_at warden "SELECT acked_by || ': ' || ack_comment FROM alerts WHERE id = ${id:-0}")" = "bob: on it"
check "and audited" test "$(psql_at warden "SELECT count(*) FROM audit_log WHERE action = 'alert_ack' AND actor = 'bob'")" = 1
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
finish
