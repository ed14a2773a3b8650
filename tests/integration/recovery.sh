#!/usr/bin/env bash
# Automatic recovery under fault injection: the supervisor's own alerts start the shipped
# procedures (runbooks/ with their waits shortened), which escalate stage by stage and page when
# they give up. Each run's steps are checked in order, and the end state.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/postgres_lib.sh"
echo "automatic recovery: procedures started by alerts, escalation, giving up and paging"

# The shipped runbooks with every wait cut to a few seconds, and rules without their `for:` holds.
setup() {
  local dir=$1
  mkdir -p "$dir"
  cp -R "$ROOT/runbooks" "$dir/runbooks"
  sed -i -E 's/^(\s*)within: [0-9]+s/\1within: 4s/' "$dir"/runbooks/*.md
  # setup DIR WITHIN: child-down's checks wait WITHIN instead, where a restart must be seen to hold
  # (a loaded machine takes more than 4 s to restart a child and show it up).
  [ -n "${2:-}" ] && sed -i -E "s/^(\s*)within: 4s/\1within: $2/" "$dir/runbooks/child-down.md"
  # A restarted engine resumes and replays its first bar before its age is back: room for a loaded machine.
  sed -i -E 's/^(\s*)within: 4s/\1within: 30s/' "$dir/runbooks/market-data-stale.md"
  cat >"$dir/fast.rules.yml" <<'YAML'
groups:
  - name: fast
    rules:
      - alert: WardenChildDown
        expr: warden_child_up == 0
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.child }} down", auto_runbook: child-down}
      - alert: WardenMarketDataStale
        expr: warden_engine_market_data_age_seconds > 3
        labels: {severity: warning}
        annotations: {summary: "stale", auto_runbook: market-data-stale}
      - alert: WardenDatabaseUnreachable
        expr: warden_database_up == 0
        labels: {severity: critical}
        annotations: {summary: "database down", auto_runbook: database-unreachable}
      - alert: WardenDiskAlmostFull
        expr: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.10
        labels: {severity: warning}
        annotations: {summary: "disk", auto_runbook: disk-almost-full}
      - alert: WardenWatchdogTimeouts
        expr: increase(warden_child_watchdog_timeouts_total[15m]) > 0
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.child }} hung"}
      - alert: WardenRecoveryFailed
        expr: warden_recovery_gave_up == 1
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.runbook }} gave up"}
YAML
}
config() {
  local dir=$1 port=$2 alerting=${3:-}
  cat >"$dir/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$port
alerting:
  evaluation_interval: 1s
  rule_files: [$dir/fast.rules.yml]
$alerting
recovery:
  runbooks: $dir/runbooks
$(cat)
YAML
}
runs() { sqlite3 "$1/state/warden.sqlite" "SELECT $2 FROM recovery_runs WHERE runbook = '$3' ORDER BY started_at"; }
steps() { sqlite3 "$1/state/warden.sqlite" "SELECT steps FROM recovery_runs WHERE runbook = '$2' ORDER BY started_at LIMIT 1 OFFSET ${3:-0}" | jq -r '[.[] | "\(.name)=\(.result)"] | join(", ")'; }
# metric PORT NAME [LABEL="VALUE"...]: the sample's value, whatever the order of its labels.
metric() {
  local port=$1 name=$2; shift 2
  curl -fsS "http://127.0.0.1:$port/metrics" | awk -v name="$name" -v want="$*" '
    $0 ~ "^" name "([{ ]|$)" { n = split(want, pairs, " "); ok = 1; for (i = 1; i <= n; i++) if (index($1, pairs[i]) == 0) ok = 0; if (ok) print $NF }'
}
run_count_is() { [ "$(runs "$1" "count(*)" "$2")" = "$3" ]; }
# metric_is VALUE PORT NAME [LABEL...], for polling (a $(...) in wait_until's arguments is read once).
metric_is() { local want=$1; shift; [ "$(metric "$@")" = "$want" ]; }

# 1. A worker down (SIGKILLed, restart: never): stage 1 restarts it and the check holds.
a=$(scratch)
setup "$a" 30s
port_a=$(free_port)
closed=$(free_port)   # nothing listens there: the receiver is unreachable
config "$a" "$port_a" "  route: {receiver: ops}
  receivers:
    - {name: ops, webhook_configs: [{url: 'http://127.0.0.1:$closed/hook'}]}" <<YAML
children:
  - {name: worker, command: [$FIXTURE, ready], restart: never, watchdog: 0s}
YAML
start_supervisor "$a" "$a/warden.yml"
wait_until 20 "the supervisor and its worker are ready" supervisor_ready "$a/run"
health() { "$WARDEN" health --json --config "$1/warden.yml" --runtime-dir "$1/run"; }
check "warden health: ready, three layers" test "$(health "$a" | jq -r '"\(.ready) \([.layers[].name] | join(","))"')" = "true system,network,application"
check "the unreachable receiver warns in the network layer, with why" \
  test "$(health "$a" | jq -r '.layers[] | select(.name == "network") | .checks[] | select(.name == "receiver:ops/webhook") | "\(.status) \(.detail)"')" = "warn connect: Connection refused"
old=$(child_field "$a/run" worker .pid)
kill -KILL "$old"
wait_until 90 "WardenChildDown starts child-down, which restarts the worker" child_replaced "$a/run" worker "$old"
wait_until 30 "the run is recorded" run_count_is "$a" child-down 1
check "it succeeded, automatically, started by the alert, run by the supervisor" \
  test "$(runs "$a" "outcome || ' ' || mode || ' ' || trigger || ' ' || actor" child-down)" = "succeeded automatic WardenChildDown supervisor"
check "its steps, in order: stage 1's restart, then the recovery check" \
  test "$(steps "$a" child-down)" = "stage 1: Restart the worker=ok, stage 1: verify after stage 1=ok"
check "the worker's name came from the alert's labels" test "$(runs "$a" "json_extract(parameters, '$.child')" child-down)" = worker
check "the run and each step are in the audit log" \
  test "$(sqlite3 "$a/state/warden.sqlite" "SELECT group_concat(action, ',') FROM (SELECT action FROM audit_log WHERE target = 'runbook:child-down' ORDER BY id)")" = "runbook.run,runbook.step,runbook.step"
check "the job list shows the run (recovery:child-down, one success)" \
  test "$(status_json "$a/run" | jq -r '.jobs[] | select(.name == "recovery:child-down") | "\(.state) \(.runs.success)"')" = "idle 1"
wait_until 10 "/metrics counts it" metric_is 1 "$port_a" warden_recovery_runs_total 'runbook="child-down"' 'outcome="succeeded"'
check "nothing gave up" test "$(metric "$port_a" warden_recovery_gave_up 'runbook="child-down"')" = 0
# A worker an operator stopped on purpose is theirs: the alert fires, the procedure holds off.
"$WARDEN" ctl stop worker --runtime-dir "$a/run" >/dev/null
wait_until 60 "the supervisor holds off for a worker stopped on request" log_has "$a/log" '.message == "automatic recovery holds off"'
check "no second run, and the worker stays stopped" test "$(runs "$a" "count(*)" child-down) $(child_field "$a/run" worker .state)" = "1 stopped"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 2. A worker that cannot start (exit 78): stage 1 fails its check, stage 2 (stop, gone, start)
#    too; the procedure gives up and WardenRecoveryFailed fires, so a person is paged.
b=$(scratch)
setup "$b"
port_b=$(free_port)
config "$b" "$port_b" <<YAML
children:
  - {name: broken, command: [$FIXTURE, exit78], restart: never, watchdog: 0s}
YAML
start_supervisor "$b" "$b/warden.yml"
gave_up() { [ "$(runs "$b" outcome child-down | head -1)" = gave_up ]; }
wait_until 60 "child-down escalates through both stages and gives up" gave_up
check "its steps, in order, each stage ending in a failed check" \
  test "$(steps "$b" child-down)" = "stage 1: Restart the worker=ok, stage 1: verify after stage 1=failed, stage 2: Stop the worker=ok, stage 2: Its process is gone=ok, stage 2: Start the worker=ok, stage 2: verify after stage 2=failed"
wait_until 10 "warden_recovery_gave_up is 1" metric_is 1 "$port_b" warden_recovery_gave_up 'runbook="child-down"'
paged() { "$WARDEN" alerts --json --config "$b/warden.yml" --state-dir "$b/state" --runtime-dir "$b/run" | jq -e '.[] | select(.name == "WardenRecoveryFailed" and .state == "firing" and .labels.runbook == "child-down")' >/dev/null; }
wait_until 40 "WardenRecoveryFailed fires for child-down (the page)" paged
"$WARDEN" health --config "$b/warden.yml" --runtime-dir "$b/run" >/dev/null
check "warden health says not ready (exit 1)" test "$?" = 1
check "the failing check is the broken child, in the application layer" \
  test "$(health "$b" | jq -r '.layers[] | select(.name == "application") | .checks[] | select(.status == "fail") | .name')" = "child:broken"
check "/readyz is 503 with the same report" test "$(curl -s -o "$b/readyz.json" -w '%{http_code}' "http://127.0.0.1:$port_b/readyz") $(jq -r .ready "$b/readyz.json")" = "503 false"
check "one run for the episode, not one per evaluation" test "$(runs "$b" "count(*)" child-down)" = 1
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 3. A frozen feed (bars a day apart): WardenMarketDataStale starts market-data-stale, whose
#    first stage restarts the engine, which resumes from its journal with fresh data.
c=$(scratch)
setup "$c"
port_c=$(free_port)
config "$c" "$port_c" <<YAML
engine:
  market_data: {speed: 0.0001}
YAML
start_supervisor "$c" "$c/warden.yml"
wait_until 60 "the supervisor and the engine are ready" supervisor_ready "$c/run"
engine=$(child_field "$c/run" engine .pid)
wait_until 60 "the stale feed starts market-data-stale, which restarts the engine" child_replaced "$c/run" engine "$engine"
wait_until 60 "the run is recorded" run_count_is "$c" market-data-stale 1
check "it succeeded at stage 1 (restart, then the age is under the limit again)" \
  test "$(runs "$c" outcome market-data-stale) $(steps "$c" market-data-stale)" = "succeeded stage 1: Restart the engine=ok, stage 1: verify after stage 1=ok"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 4. Switched off: the alert fires and pages as usual, nothing acts.
d=$(scratch)
setup "$d"
port_d=$(free_port)
config "$d" "$port_d" <<YAML
children:
  - {name: worker, command: [$FIXTURE, ready], restart: never, watchdog: 0s}
YAML
sed -i 's#^  runbooks:#  enabled: false\n  runbooks:#' "$d/warden.yml"
start_supervisor "$d" "$d/warden.yml"
wait_until 20 "ready" supervisor_ready "$d/run"
kill -KILL "$(child_field "$d/run" worker .pid)"
firing() { "$WARDEN" alerts --json --config "$d/warden.yml" --state-dir "$d/state" --runtime-dir "$d/run" | jq -e '.[] | select(.name == "WardenChildDown" and .state == "firing")' >/dev/null; }
wait_until 40 "with recovery.enabled: false the alert fires" firing
check "and no procedure ran" test "$(sqlite3 "$d/state/warden.sqlite" "SELECT count(*) FROM recovery_runs")" = 0
check "the worker stays down" bash -c "[ \"\$('$WARDEN' ctl status --json --runtime-dir '$d/run' | jq -r '.children[] | select(.name == \"worker\") | .state')\" != running ]"
check "/metrics says recovery is off" test "$(metric "$port_d" warden_recovery_enabled)" = 0
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 5. PostgreSQL stopped: database-unreachable retries (stage 1), restarts the workers (stage 2),
#    gives up and pages; its record, with nowhere to go in the database, is kept in a file. Once
#    PostgreSQL is back, the page ends.
e=$(scratch)
setup "$e"
start_postgres "$e"
psql_at postgres "CREATE DATABASE warden" >/dev/null
export WARDEN_TEST_DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/warden?sslmode=disable"
port_e=$(free_port)
config "$e" "$port_e" <<YAML
database: {url: "\${env:WARDEN_TEST_DB_URL}"}
children:
  - {name: engine, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: api, command: [$FIXTURE, ready], watchdog: 0s}
YAML
start_supervisor "$e" "$e/warden.yml"
wait_until 30 "ready on PostgreSQL" supervisor_ready "$e/run"
wait_until 30 "the database check passes" metric_is 1 "$port_e" warden_database_up
engine_pid=$(child_field "$e/run" engine .pid)
stop_postgres
# Other procedures may run meanwhile (the restarts make WardenChildDown fire under these 0 s rules):
# the record is the database-unreachable one.
kept() { cat "$e"/state/recovery/recovery-run-*.json 2>/dev/null | jq -sc 'map(select(.runbook == "database-unreachable")) | .[0] // empty'; }
recorded_in_file() { [ -n "$(kept)" ]; }
wait_until 60 "PostgreSQL stopped: database-unreachable runs and gives up" recorded_in_file
record=$(kept)
check "gave up, automatically, for WardenDatabaseUnreachable" test "$(jq -r '"\(.outcome) \(.mode) \(.trigger)"' <<<"$record")" = "gave_up automatic WardenDatabaseUnreachable"
check "its steps in order: the retry, then the workers restarted, each stage's check failing" \
  test "$(jq -r '[.steps[] | "\(.name)=\(.result)"] | join(", ")' <<<"$record")" = "stage 1: Retry the database=failed, stage 2: Restart the engine=ok, stage 2: Restart the API worker=ok, stage 2: verify after stage 2=failed"
check "the engine was restarted by it" test "$(child_field "$e/run" engine .pid)" != "$engine_pid"
wait_until 10 "the page is up (warden_recovery_gave_up 1)" metric_is 1 "$port_e" warden_recovery_gave_up 'runbook="database-unreachable"'
resume_postgres
wait_until 40 "PostgreSQL back: the database check passes again" metric_is 1 "$port_e" warden_database_up
wait_until 10 "and the page ends" metric_is 0 "$port_e" warden_recovery_gave_up 'runbook="database-unreachable"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 6. A full disk: the state directory on a 24 MiB tmpfs, filled with backups and a file;
#    disk-almost-full prunes the backups past retention (the newest is kept) and the disk has room again.
f=$(scratch)
setup "$f"
mkdir -p "$f/state"
check "a 24 MiB tmpfs for the state directory" mount -t tmpfs -o size=24m tmpfs "$f/state"
trap 'stop_postgres; umount "$f/state" 2>/dev/null; cleanup' EXIT
# Without the tmpfs, filling "the disk" would fill the host's: stop here (the check above failed).
if ! mountpoint -q "$f/state"; then finish; exit 1; fi
port_f=$(free_port)
config "$f" "$port_f" <<YAML
backup: {encryption: none, retention: {keep_last: 1}}
children:
  - {name: worker, command: [$FIXTURE, ready], restart: never, watchdog: 0s}
YAML
start_supervisor "$f" "$f/warden.yml"
wait_until 20 "ready" supervisor_ready "$f/run"
sqlite3 "$f/state/warden.sqlite" "CREATE TABLE filler (b BLOB); WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) INSERT INTO filler SELECT randomblob(1048576) FROM n"
for i in 1 2 3 4; do "$WARDEN" backup create --config "$f/warden.yml" --state-dir "$f/state" --runtime-dir "$f/run" >/dev/null 2>&1; done
newest=$("$WARDEN" backup list --json --config "$f/warden.yml" --state-dir "$f/state" | jq -r 'max_by(.started_at) | .id')
avail=$(df --output=avail -k "$f/state" | tail -1)
dd if=/dev/zero of="$f/state/filler" bs=1k count=$((avail - 1024)) 2>/dev/null
check "the disk is under 10% free" test "$(df --output=pcent "$f/state" | tail -1 | tr -dc 0-9)" -gt 90
wait_until 30 "disk-almost-full runs" run_count_is "$f" disk-almost-full 1
check "it succeeded at stage 1: the prune freed enough" \
  test "$(runs "$f" outcome disk-almost-full) · $(steps "$f" disk-almost-full)" = "succeeded · stage 1: Prune backups past the retention policy=ok, stage 1: verify after stage 1=ok"
check "one backup is left, the newest" test "$("$WARDEN" backup list --json --config "$f/warden.yml" --state-dir "$f/state" | jq -r '[.[].id] | join(",")')" = "$newest"
check "the disk has 10% free again" test "$(df --output=pcent "$f/state" | tail -1 | tr -dc 0-9)" -lt 90
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
umount "$f/state"

# 7. A SIGSTOPped engine: its watchdog pings stop, the supervisor kills and replaces it (the first
#    step of "engine hung"), WardenWatchdogTimeouts fires, and the new engine resumes from its journal.
g=$(scratch)
setup "$g"
port_g=$(free_port)
config "$g" "$port_g" <<YAML
children:
  - {name: engine, watchdog: 3s}
YAML
start_supervisor "$g" "$g/warden.yml"
wait_until 60 "the engine is ready" supervisor_ready "$g/run"
checkpointed() { [ "$(sqlite3 "$g/state/warden.sqlite" "SELECT count(*) FROM loop_checkpoint" 2>/dev/null)" = 1 ]; }
wait_until 60 "the engine has journaled bars" checkpointed
hung=$(child_field "$g/run" engine .pid)
kill -STOP "$hung"
wait_until 60 "the hung engine is killed and replaced" child_replaced "$g/run" engine "$hung"
check "for its missed watchdog (counted)" test "$(child_field "$g/run" engine .watchdog_timeouts)" -ge 1
watchdog_alert() { "$WARDEN" alerts --json --config "$g/warden.yml" --state-dir "$g/state" --runtime-dir "$g/run" | jq -e '.[] | select(.name == "WardenWatchdogTimeouts" and .labels.child == "engine")' >/dev/null; }
wait_until 20 "WardenWatchdogTimeouts fires for the engine" watchdog_alert
wait_until 60 "the new engine resumes from its journal" log_has "$g/log" '.message == "engine resumed from its journal"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# 8. A receiver answering 500: notifications-failing canaries it (still 500, stage 1 fails), then
#    fails its notifications over to the route's failover receiver, where the outbox drains; a
#    canary once it answers again ends the failover.
h=$(scratch)
setup "$h"
cat >>"$h/fast.rules.yml" <<'YAML'
  - name: traffic
    rules:
      - {alert: SignalA, expr: up == 1, labels: {severity: warning}}
      - {alert: SignalB, expr: up == 1, labels: {severity: warning}}
      - {alert: SignalC, expr: up == 1, labels: {severity: warning}}
      - alert: WardenReceiverFailing
        expr: 'warden_circuit_breaker_open{breaker=~"receiver:.*"} == 1'
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.breaker }} failing", auto_runbook: notifications-failing}
YAML
port_h=$(free_port)
hooks=$(free_port)
python3 "$ROOT/tests/fakes/receivers.py" "$hooks" "$h/requests.jsonl" & CLEANUP_PIDS+=($!)
port_open() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
wait_until 20 "the receiver fake listens" port_open "$hooks"
curl -fsS -X POST "http://127.0.0.1:$hooks/_control/fail" -d '{"status": 500, "count": -1, "path": "/webhook/ops"}'
config "$h" "$port_h" "  route: {receiver: ops, group_wait: 0s, failover: [backup]}
  receivers:
    - {name: ops, webhook_configs: [{url: 'http://127.0.0.1:$hooks/webhook/ops'}]}
    - {name: backup, webhook_configs: [{url: 'http://127.0.0.1:$hooks/webhook/backup'}]}" <<YAML
children:
  - {name: worker, command: [$FIXTURE, ready], restart: never, watchdog: 0s}
YAML
start_supervisor "$h" "$h/warden.yml"
ops_failing() { metric_is 1 "$port_h" warden_circuit_breaker_open 'breaker="receiver:ops/webhook_configs[0]"'; }
wait_until 60 "five 500s in a row open the ops channel's circuit" ops_failing
settled() { [ -n "$(runs "$h" outcome notifications-failing | grep -v '^$')" ]; }
wait_until 60 "WardenReceiverFailing starts notifications-failing, which ends" settled
check "it succeeded, started by the alert" \
  test "$(runs "$h" "outcome || ' ' || trigger" notifications-failing)" = "succeeded WardenReceiverFailing"
check "its steps, in order: the canary fails (ops still answers 500), the failover works, the outbox drains" \
  test "$(steps "$h" notifications-failing)" = "stage 1: Canary the failing channels=failed, stage 2: Fail the channels over=ok, stage 2: verify after stage 2=ok"
at() { jq -s "[.[] | select(.path == \"/webhook/$1\") | $2]" "$h/requests.jsonl"; }
check "ops got the canary, and answered 500" \
  test "$(at ops 'select(.body.commonLabels.alertname == "WardenTestNotification") | .answered' | jq -c 'unique')" = "[500]"
check "each signal reached backup once, saying it was meant for ops" \
  test "$(at backup 'select(.body.commonLabels.alertname | test("^Signal")) | "\(.body.commonLabels.alertname) \(.body.commonAnnotations.failover_from)"' | jq -r 'sort | join(",")')" \
    = "SignalA ops/webhook_configs[0],SignalB ops/webhook_configs[0],SignalC ops/webhook_configs[0]"
check "and so did the alert about ops itself" \
  test "$(at backup 'select(.body.commonLabels.alertname == "WardenReceiverFailing") | .answered' | jq -c 'unique')" = "[200]"
check "nothing waits; the moved rows are dead letters saying where they went" \
  test "$(metric "$port_h" warden_outbox_pending) $(sqlite3 "$h/state/warden.sqlite" "SELECT count(*) >= 3 FROM notification_outbox WHERE integration = 'ops/webhook_configs[0]' AND state = 'dead' AND last_error LIKE 'failed over to backup%'")" = "0 1"
check "/metrics: ops is failed over, and the moves are counted" \
  test "$(metric "$port_h" warden_receiver_failed_over 'integration="ops/webhook_configs[0]"') $(metric "$port_h" warden_notifications_failed_over_total 'from="ops/webhook_configs[0]"' 'to="backup/webhook_configs[0]"' | awk '{print ($1 >= 4)}')" = "1 1"
curl -fsS -X POST "http://127.0.0.1:$hooks/_control/fail" -d '{"count": 0}'
check "once ops answers, a canary by hand says so" test "$("$WARDEN" notify canary --config "$h/warden.yml" --runtime-dir "$h/run")" = "ops/webhook_configs[0]: delivered (200)"
check "and the failover ends: ops's circuit is closed" \
  test "$(metric "$port_h" warden_receiver_failed_over 'integration="ops/webhook_configs[0]"')-$(metric "$port_h" warden_circuit_breaker_open 'breaker="receiver:ops/webhook_configs[0]"')" = "-0"
check "nothing failing now: a failover has nothing to do" test "$("$WARDEN" notify failover --config "$h/warden.yml" --runtime-dir "$h/run")" = "no channel is failing"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

finish
