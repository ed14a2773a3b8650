# Shared helpers for the integration tests: they drive the built `warden` binary and real peers.
# Waiting is always for a condition (polled), never for a fixed time.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WARDEN=${WARDEN:-$ROOT/.build/debug/warden}
FIXTURE=$ROOT/tests/fixtures/child.sh
# The oracles (TA-Lib, backtesting.py, moto, ccxt) live in their own virtualenv, made by `make test`.
PY=${ORACLE_PYTHON:-$ROOT/.venv/oracles/bin/python3}
SUITE=$(basename "$0" .sh)
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() {
  FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$1"; [ $# -gt 1 ] && printf '        %s\n' "${@:2}"
  # The last supervisor's latest lines: what CI prints is all a post-mortem has.
  if [ -n "${SUPERVISOR_LOG:-}" ] && [ -f "$SUPERVISOR_LOG" ]; then
    printf '        the supervisor log (%s) ends:\n' "$SUPERVISOR_LOG"; tail -n 12 "$SUPERVISOR_LOG" | cut -c1-400 | sed 's/^/        | /'
  fi
  return 0
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what" "command: $*"; fi
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 20 ms until the command succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s%N) + limit * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then pass "$what"; return 0; fi
    sleep 0.02
  done
  fail "$what" "gave up after ${limit}s: $*"
  return 1
}

# A fresh directory for one test; every one this run made is removed at exit.
scratch() { mktemp -d "/tmp/warden-$SUITE-$$-XXXXXX"; }
CLEANUP_PIDS=()
# Processes started inside $(...) cannot reach CLEANUP_PIDS (a subshell's copy): they go in this file.
CLEANUP_FILE=$(mktemp "/tmp/warden-cleanup-$$-XXXXXX")
cleanup_later() { echo "$1" >>"$CLEANUP_FILE"; }
cleanup() {
  while read -r pid; do CLEANUP_PIDS+=("$pid"); done <"$CLEANUP_FILE"
  rm -f "$CLEANUP_FILE"
  for pid in "${CLEANUP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${CLEANUP_PIDS[@]}"; do
    for _ in $(seq 100); do process_gone "$pid" && break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  [ -n "${KEEP_SCRATCH:-}" ] || rm -rf /tmp/warden-"$SUITE"-$$-*  # KEEP_SCRATCH=1 keeps them for a post-mortem
}
trap cleanup EXIT

status_json() { "$WARDEN" ctl status --json --runtime-dir "$1"; }
# child_field RUNTIME CHILD JQ-FIELD, e.g. child_field "$run" engine .pid
child_field() { status_json "$1" | jq -r --arg c "$2" ".children[] | select(.name == \$c) | $3"; }
child_is() { [ "$(child_field "$1" "$2" .state)" = "$3" ]; }
# child_field_is RUNTIME CHILD JQ-FIELD VALUE (no answer never matches: jq 1.6 -e passes on empty input)
child_field_is() { [ "$(child_field "$1" "$2" "$3")" = "$4" ]; }
# child_replaced RUNTIME CHILD OLD-PID: a different process of that child is running.
child_replaced() {
  local pid
  pid=$(child_field "$1" "$2" 'select(.state == "running") | .pid')
  [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" != "$3" ]
}
# log_query LOGFILE JQ-FILTER: runs the filter over the JSON log lines (others are skipped).
log_query() { jq -R -r "fromjson? | $2" "$1"; }
# log_has LOGFILE JQ-CONDITION: some log line satisfies the condition.
log_has() { [ -n "$(log_query "$1" "select($2) | .message")" ]; }
supervisor_ready() { [ "$(status_json "$1" | jq -r .ready)" = true ]; }
child_restarts_at_least() { [ "$(child_field "$1" "$2" .restarts)" -ge "$3" ]; }

# True when the process is gone or a zombie (a reaped-by-nobody corpse cannot run anything).
process_gone() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "$state" = Z ] || [ -z "$state" ]
}
all_gone() { for pid in "$@"; do process_gone "$pid" || return 1; done; }

# start_supervisor DIR CONFIG [EXTRA ARGS...]: runs `warden supervise` in the background,
# logging to DIR/log; sets SUPERVISOR_PID.
start_supervisor() {
  local dir=$1 config=$2; shift 2
  mkdir -p "$dir"
  "$WARDEN" supervise --config "$config" --state-dir "$dir/state" --runtime-dir "$dir/run" "$@" >"$dir/log" 2>&1 &
  SUPERVISOR_PID=$!
  SUPERVISOR_LOG=$dir/log
  CLEANUP_PIDS+=("$SUPERVISOR_PID")
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

finish() {
  printf '%s: %d passed, %d failed\n' "$SUITE" "$PASSED" "$FAILED"
  [ "$FAILED" -eq 0 ]
}
