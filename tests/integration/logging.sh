#!/usr/bin/env bash
# Structured logs: JSON lines with categories, per-category levels changed on SIGHUP, and secrets
# that never reach any log output.
source "$(dirname "$0")/lib.sh"
echo "logs: categories, levels and secret masking"

secret="hunter2-$(date +%s%N)-very-secret"
export WARDEN_TEST_SECRET=$secret
dir=$(scratch)
write_config() {
  cat >"$dir/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$port
logging:
  level: info
  categories: {trading: error, system: $1}
  file: {path: $dir/files/warden.log, max_size: 4KiB, max_age: 1h, keep: 2}
children:
  - {name: leaky, command: [$FIXTURE, leak], watchdog: 0s, env: {SECRET_TOKEN: "\${env:WARDEN_TEST_SECRET}"}}
  - {name: engine}
  - {name: api, depends_on: [engine]}
YAML
}
port=$(free_port)
mkdir -p "$dir/files"
write_config info
start_supervisor "$dir" "$dir/warden.yml"
wait_until 20 "supervisor and children are ready" supervisor_ready "$dir/run"
wait_until 10 "the leaky child's output reached the log" log_has "$dir/log" '.metadata.child == "leaky" and (.message | startswith("connecting"))'

check "the secret resolved from \${env:} never appears in the log" bash -c "! grep -qF '$secret' '$dir/log'"
check "it is masked where the child printed it" log_has "$dir/log" '.message == "connecting with token ***"'
check "a bearer token is masked" log_has "$dir/log" '.message == "GET /v1/orders Authorization: ***"'
check "an api_key assignment is masked" log_has "$dir/log" '.message == "config: api_key=*** region=eu"'
check "the child really received the secret" bash -c "tr '\0' '\n' </proc/$(child_field "$dir/run" leaky .pid)/environ | grep -qxF 'SECRET_TOKEN=$secret'"
out=$("$WARDEN" ctl status --json --runtime-dir "$dir/run")
check "ctl status does not show the secret" bash -c "! grep -qF '$secret' <<<'$out'"

check "the engine's trading category is held at error: none of its info lines" \
  test -z "$(log_query "$dir/log" 'select(.category == "trading") | .message')"
check "the api category logs at info" log_has "$dir/log" '.category == "api" and .message == "worker ready"'

# logging.file: the same JSON lines in a file rotated at 4 KiB, two old files kept.
for _ in $(seq 8); do
  pid=$(child_field "$dir/run" leaky .pid)
  "$WARDEN" ctl restart leaky --runtime-dir "$dir/run" >/dev/null
  wait_until 30 "leaky restarted (for the rotation)" child_replaced "$dir/run" leaky "$pid"
done
check "the log file holds JSON lines" test "$(head -c 1 "$dir/files/warden.log")" = "{"
check "it was rotated by size" test -s "$dir/files/warden.log.1"
check "no more than two rotated files are kept" test ! -e "$dir/files/warden.log.3"
check "the rotated file stays under its size limit" test "$(stat -c %s "$dir/files/warden.log.1")" -le 4096
check "the secret is not in any log file" bash -c "! grep -rqF '$secret' '$dir/files'"


# Reload (what SIGHUP does; ctl waits for it): system drops to warning, so the next restart's
# info lines are no longer written.
write_config warning
check "ctl reload succeeds" "$WARDEN" ctl reload --runtime-dir "$dir/run"
before=$(log_query "$dir/log" 'select(.message == "child started") | .metadata.child' | wc -l)
leaky_pid=$(child_field "$dir/run" leaky .pid)
"$WARDEN" ctl restart leaky --runtime-dir "$dir/run" >/dev/null
wait_until 10 "leaky restarted" child_replaced "$dir/run" leaky "$leaky_pid"
after=$(log_query "$dir/log" 'select(.message == "child started") | .metadata.child' | wc -l)
check "after the reload, system info lines are gone ($before then $after 'child started')" test "$before" = "$after"
check "and the secret is still masked after the reload" bash -c "! grep -qF '$secret' '$dir/log'"
check "the security category says the control socket is owner-only and how many secrets are masked" \
  log_has "$dir/log" '.category == "security" and .message == "control socket restricted to its owner (0600)"'
check "and the secrets" log_has "$dir/log" '.category == "security" and .message == "secrets resolved" and .metadata.count == "1"'
check "operator requests are in the audit category, with their answer" \
  log_has "$dir/log" '.category == "audit" and .message == "control request" and .metadata.request == "restart leaky" and .metadata.ok == "true"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# On a terminal (`make run`): readable lines, the workers' relayed lines too; the file stays JSON.
# `script` gives the supervisor a pseudo-terminal as stderr.
tty=$(scratch)
port=$(free_port)
mkdir -p "$tty/files"
cat >"$tty/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$port
logging:
  file: {path: $tty/files/warden.log}
children:
  - {name: leaky, command: [$FIXTURE, leak], watchdog: 0s, env: {SECRET_TOKEN: "\${env:WARDEN_TEST_SECRET}"}}
YAML
script -qfec "'$WARDEN' supervise --config '$tty/warden.yml' --state-dir '$tty/state' --runtime-dir '$tty/run'" "$tty/terminal" >/dev/null 2>&1 &
SCRIPT_PID=$!
CLEANUP_PIDS+=("$SCRIPT_PID")
text_line() { grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z info +system +supervisor ready' "$tty/terminal"; }
wait_until 20 "on a terminal the supervisor writes readable text lines" text_line
wait_until 10 "a worker's line is shown as text with its child" grep -qE 'child=leaky' "$tty/terminal"
check "no JSON line reached the terminal" bash -c "! grep -q '^{' '$tty/terminal'"
check "the log file still holds JSON lines" test "$(head -c 1 "$tty/files/warden.log")" = "{"
check "the secret is masked on the terminal too" bash -c "! grep -qF '$secret' '$tty/terminal'"
"$WARDEN" ctl stop leaky --runtime-dir "$tty/run" >/dev/null 2>&1
pkill -TERM -f "supervise --config $tty/warden.yml"
wait "$SCRIPT_PID" 2>/dev/null
check "--log-format text is accepted by every command" "$WARDEN" check-config --config "$tty/warden.yml" --log-format text
check "--log-format takes text or json, and refuses anything else" bash -c "'$WARDEN' check-config --log-format yaml 2>&1 | grep -q 'log-format'"

finish
