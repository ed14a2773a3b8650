#!/usr/bin/env bash
# Restart intensity (OTP-style give-up) and orderly shutdown, run by hand.
source "$(dirname "$0")/lib.sh"
echo "restart intensity and shutdown order"

# More than max_restarts within restart_window: stop everything, exit 3.
dir=$(scratch)
cat >"$dir/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$(free_port)
  max_restarts: 3
  restart_window: 60s
  backoff: {initial: 50ms, max: 200ms}
children:
  - {name: steady, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: crasher, command: [$FIXTURE, crash], watchdog: 0s, env: {CRASH_AFTER: "0.05"}}
YAML
start_supervisor "$dir" "$dir/warden.yml"
wait_until 20 "the steady child comes up" test -S "$dir/run/control.sock"
steady_pid=""
for _ in $(seq 100); do steady_pid=$(child_field "$dir/run" steady .pid 2>/dev/null); [ -n "$steady_pid" ] && [ "$steady_pid" != null ] && break; sleep 0.05; done
wait_until 30 "the supervisor gives up on a crash loop" process_gone "$SUPERVISOR_PID"
wait "$SUPERVISOR_PID"; rc=$?
check "it exits with status 3 so that systemd's policy takes over" test "$rc" = 3
check "it logs why" grep -q "restart intensity exceeded" "$dir/log"
check "the healthy child was stopped too" process_gone "$steady_pid"
check "the control socket is removed" test ! -e "$dir/run/control.sock"

# SIGTERM: dependents stop first (reverse dependency order), each with SIGTERM.
dir=$(scratch)
cat >"$dir/warden.yml" <<YAML
supervisor:
  listen: 127.0.0.1:$(free_port)
children:
  - {name: base, command: [$FIXTURE, ready], watchdog: 0s}
  - {name: middle, command: [$FIXTURE, ready], watchdog: 0s, depends_on: [base]}
  - {name: top, command: [$FIXTURE, ready], watchdog: 0s, depends_on: [middle]}
YAML
start_supervisor "$dir" "$dir/warden.yml"
wait_until 20 "a chain of three dependent children comes up" supervisor_ready "$dir/run"
order=$(log_query "$dir/log" 'select(.message == "child ready") | .metadata.child' | tr '\n' ' ')
check "they start in dependency order (base middle top)" test "$order" = "base middle top "
kill -TERM "$SUPERVISOR_PID"
wait "$SUPERVISOR_PID"; rc=$?
check "SIGTERM ends the supervisor with status 0" test "$rc" = 0
order=$(log_query "$dir/log" 'select(.message == "child exited") | .metadata.child' | tr '\n' ' ')
check "they stop in reverse order (top middle base)" test "$order" = "top middle base "
check "each was stopped on request, not killed" \
  test "$(log_query "$dir/log" 'select(.message == "child exited" and .metadata.cause == "requested") | .metadata.child' | wc -l)" = 3

finish
