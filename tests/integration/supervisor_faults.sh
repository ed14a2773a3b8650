#!/usr/bin/env bash
# The supervisor run by hand (no systemd) against misbehaving children.
source "$(dirname "$0")/lib.sh"

dir=$(scratch)
port=$(free_port)
cat >"$dir/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$port
  max_restarts: 1000
  watchdog_kill_grace: 500ms
  backoff: {initial: 100ms, max: 500ms, reset_after: 10s}
children:
  - {name: crasher, command: [$FIXTURE, crash], watchdog: 0s}
  - {name: hanger, command: [$FIXTURE, hang], watchdog: 1s}
  - {name: trigger, command: [$FIXTURE, trigger], watchdog: 5s}
  - {name: stubborn, command: [$FIXTURE, ignore-term], watchdog: 0s, stop_timeout: 1s}
  - {name: forker, command: [$FIXTURE, grandchildren], watchdog: 0s}
  - {name: badconf, command: [$FIXTURE, exit78]}
  - {name: slow, command: [$FIXTURE, never-ready], start_timeout: 1s, stop_timeout: 500ms}
  - {name: extender, command: [$FIXTURE, extend], start_timeout: 2s, watchdog: 0s, env: {READY_AFTER: "3", EXTEND_USEC: "8000000"}}
  - {name: flooder, command: [$FIXTURE, flood], watchdog: 10s, env: {FLOOD_SECONDS: "3"}}
  - {name: noisy, command: [$FIXTURE, noisy], watchdog: 0s}
  - {name: engine, watchdog: 2s}
  - {name: api, depends_on: [engine], watchdog: 2s}
YAML
echo "supervisor with faulty children (by hand)"
start_supervisor "$dir" "$dir/warden.yml"
run=$dir/run
engine_and_api_running() { child_is "$run" engine running && child_is "$run" api running; }
wait_until 20 "engine and api become ready" engine_and_api_running

# Sockets: one notify socket per child, owner-only, as is the control socket.
check "notify socket of each child is mode 0600" test "$(stat -c %a "$run/notify/engine.sock")" = 600
check "control socket is mode 0600" test "$(stat -c %a "$run/control.sock")" = 600
check "notify directory is private (0700)" test "$(stat -c %a "$run/notify")" = 700

# Dependency order: api was spawned only after the engine was ready.
status_json "$run" >"$dir/status.json"
engine_ready=$(jq '.children[] | select(.name=="engine") | .ready_at' "$dir/status.json")
api_spawned=$(jq '.children[] | select(.name=="api") | .spawned_at' "$dir/status.json")
check "api spawned after engine READY" python3 -c "import sys; sys.exit(0 if $api_spawned >= $engine_ready else 1)"

# Environment: children get their own NOTIFY_SOCKET and WATCHDOG_USEC, never the supervisor's.
engine_pid=$(child_field "$run" engine .pid)
tr '\0' '\n' <"/proc/$engine_pid/environ" >"$dir/engine.env"
check "engine's NOTIFY_SOCKET is its own socket" grep -qx "NOTIFY_SOCKET=$run/notify/engine.sock" "$dir/engine.env"
check "engine's WATCHDOG_USEC is its watchdog interval" grep -qx "WATCHDOG_USEC=2000000" "$dir/engine.env"
check "engine does not inherit WATCHDOG_PID" bash -c "! grep -q '^WATCHDOG_PID=' '$dir/engine.env'"
check "engine runs in its own session" test "$(ps -o sid= -p "$engine_pid" | tr -d ' ')" = "$engine_pid"

# Crash: restarted, reason recorded.
wait_until 20 "a crashing child is restarted again and again" child_restarts_at_least "$run" crasher 3
check "crash reason is exit code 3" test "$(child_field "$run" crasher '.last_exit.exit_code')" = 3
check "crash cause is exit_code" test "$(child_field "$run" crasher '.last_exit.cause')" = exit_code

# Hang: the watchdog sends SIGABRT, then restarts it.
wait_until 20 "a hung child is caught by its watchdog" child_field_is "$run" hanger .last_exit.cause watchdog
check "watchdog timeouts are counted" test "$(child_field "$run" hanger .watchdog_timeouts)" -ge 1
wait_until 20 "WATCHDOG=trigger is treated as an expired watchdog" child_field_is "$run" trigger .last_exit.cause watchdog

# Never ready: killed at its start timeout, counted as a failed start.
wait_until 20 "a child that never becomes ready hits its start timeout" child_field_is "$run" slow .last_exit.cause start_timeout

# EXTEND_TIMEOUT_USEC: a slow starter that asks for time is not killed.
wait_until 20 "EXTEND_TIMEOUT_USEC lets a slow starter become ready" child_is "$run" extender running
check "the extended starter was never restarted" test "$(child_field "$run" extender .restarts)" = 0

# Exit 78: never restarted, while others have been restarted several times meanwhile.
check "exit 78 leaves the child failed" child_is "$run" badconf failed
check "exit 78 is never restarted" test "$(child_field "$run" badconf .restarts)" = 0

# Flood: the supervisor stays responsive and keeps the flooder's last status.
wait_until 30 "a notify flood is absorbed (last STATUS= kept)" child_field_is "$run" flooder '.status_text | startswith("flood done")' true
check "the flooder was not restarted" test "$(child_field "$run" flooder .restarts)" = 0
check "supervisor /healthz answers after the flood" curl -fsS "http://127.0.0.1:$port/healthz"
# The heap is what a flood could grow; file-backed pages are the (debug) binary's code, shared and evictable.
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$SUPERVISOR_PID/status")
anon_kib=$(awk '/RssAnon/ {print $2}' "/proc/$SUPERVISOR_PID/status")
check "supervisor heap (anonymous RSS) stays under 32 MiB after the flood (${anon_kib} KiB of ${rss_kib} KiB RSS)" test "$anon_kib" -lt 32768

# Output: each line of stdout/stderr is logged under the child's name.
check "child stdout lines are logged with the child's name" log_has "$dir/log" '.metadata.child == "noisy" and .metadata.stream == "stdout" and .message == "to stdout line 1"'
check "child stderr lines are logged with the child's name" log_has "$dir/log" '.metadata.child == "noisy" and .metadata.stream == "stderr" and .message == "to stderr line 1"'
check "a worker's own JSON log lines keep their category" log_has "$dir/log" '.metadata.child == "engine" and .category == "trading" and .message == "worker ready"'
check "every supervisor log line is JSON with time, level, category and message" \
  test "$(jq -R 'fromjson? | select(.time and .level and .category and .message)' "$dir/log" | grep -c '"message"')" -gt 0 -a "$(grep -vc '^{' "$dir/log")" = 0

# Ignores SIGTERM: stop escalates to SIGKILL of the group after the stop timeout.
"$WARDEN" ctl stop stubborn --runtime-dir "$run" >/dev/null
wait_until 10 "a child ignoring SIGTERM is killed after its stop timeout" child_is "$run" stubborn stopped
check "it ended by SIGKILL" test "$(child_field "$run" stubborn .last_exit.signal)" = SIGKILL
check "a stopped child is not restarted" test "$(child_field "$run" stubborn .restarts)" = 0
"$WARDEN" ctl start stubborn --runtime-dir "$run" >/dev/null
wait_until 10 "ctl start brings it back" child_is "$run" stubborn running

# Grandchildren: they go with their parent's process group, and are reaped.
wait_until 10 "the forking child reported its grandchildren" log_has "$dir/log" '.metadata.child == "forker" and (.message | startswith("grandchild"))'
grandchildren=$(log_query "$dir/log" 'select(.metadata.child == "forker") | .message' | grep -o '^grandchild [0-9]*' | grep -o '[0-9]*$' | sort -u)
"$WARDEN" ctl restart forker --runtime-dir "$run" >/dev/null
wait_until 10 "grandchildren are killed with their parent's group on restart" all_gone $grandchildren
check "no zombie is left among the supervisor's children" bash -c "! ps -o stat= --ppid $SUPERVISOR_PID | grep -q Z"

# Control errors.
out=$("$WARDEN" ctl restart engnie --runtime-dir "$run" 2>&1); rc=$?
check "ctl on an unknown child exits 64" test "$rc" = 64
check "ctl suggests the child meant" grep -q "did you mean 'engine'" <<<"$out"

# Reload: only the changed child restarts; a bad file is refused and nothing changes.
api_pid=$(child_field "$run" api .pid)
noisy_pid=$(child_field "$run" noisy .pid)
sed -i 's/{name: noisy, command: \[\(.*\), noisy\], watchdog: 0s}/{name: noisy, command: [\1, noisy], watchdog: 0s, env: {CHANGED: "1"}}/' "$dir/warden.yml"
kill -HUP "$SUPERVISOR_PID"
wait_until 10 "SIGHUP restarts the child whose spec changed" child_replaced "$run" noisy "$noisy_pid"
check "SIGHUP leaves unchanged children alone" test "$(child_field "$run" api .pid)" = "$api_pid"
cp "$dir/warden.yml" "$dir/warden.yml.good"
printf 'children:\n  - name: engine\n    restart: sometimes\n' >"$dir/warden.yml"
out=$("$WARDEN" ctl reload --runtime-dir "$run" 2>&1); rc=$?
check "ctl reload of a bad file fails" test "$rc" != 0
check "ctl reload prints the file's errors" grep -q "warden.yml:3: children\[0\].restart" <<<"$out"
check "the running configuration stays after a refused reload" test "$(child_field "$run" api .pid)" = "$api_pid"
cp "$dir/warden.yml.good" "$dir/warden.yml"

# SIGKILL of the supervisor: no child survives it.
child_pids=$(status_json "$run" | jq -r '.children[] | .pid // empty')
kill -KILL "$SUPERVISOR_PID"
wait_until 10 "after SIGKILL of the supervisor no child survives" all_gone $child_pids

finish
