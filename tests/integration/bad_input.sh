#!/usr/bin/env bash
# Bad input: a clear one-line error per problem, the right exit status, nothing half-written.
source "$(dirname "$0")/lib.sh"
echo "bad input"

dir=$(scratch)

# check-config: valid, broken YAML, wrong types, unknown keys, missing secrets.
check "check-config accepts the embedded defaults" "$WARDEN" check-config
out=$("$WARDEN" check-config --config "$ROOT/examples/warden.yml" 2>&1); rc=$?
check "check-config accepts the example configuration" test "$rc" = 0

printf 'supervisor:\n  listen: [\n' >"$dir/broken.yml"
out=$("$WARDEN" check-config --config "$dir/broken.yml" 2>&1); rc=$?
check "broken YAML exits 78" test "$rc" = 78
check "broken YAML names file and line" grep -qE "^$dir/broken.yml:[0-9]+: YAML syntax error" <<<"$out"

cat >"$dir/many.yml" <<'YAML'
supervisor:
  max_restarts: many
  lisen: 127.0.0.1:1
children:
  - name: engine
    stop_timeout: forever
    env:
      SECRET: ${file:/nonexistent/secret}
      TOKEN: ${env:WARDEN_TEST_UNSET}
YAML
out=$("$WARDEN" check-config --config "$dir/many.yml" 2>&1); rc=$?
check "several problems exit 78" test "$rc" = 78
check "every problem is printed, one line each (5 lines)" test "$(wc -l <<<"$out")" = 5
check "problems are listed in file order" bash -c "cut -d: -f2 <<<'$out' | sort -n -c"
check "wrong type: PATH:LINE: key: expected" grep -qx "$dir/many.yml:2: supervisor.max_restarts: expected an integer, found 'many'" <<<"$out"
check "unknown key with a did-you-mean" grep -qx "$dir/many.yml:3: supervisor.lisen: unknown key 'lisen'; did you mean 'listen'?" <<<"$out"
check "bad duration names what was expected" grep -q "$dir/many.yml:6: children\[0\].stop_timeout: expected a duration" <<<"$out"
check "missing secret file names the key" grep -q "$dir/many.yml:8: children\[0\].env.SECRET: cannot read secret file /nonexistent/secret" <<<"$out"
check "missing env secret names the key" grep -q "children\[0\].env.TOKEN: environment variable WARDEN_TEST_UNSET is not set" <<<"$out"
out=$(WARDEN_TEST_UNSET=x "$WARDEN" check-config --config "$dir/many.yml" 2>&1)
check "a set variable resolves (one problem fewer)" bash -c "! grep -q WARDEN_TEST_UNSET <<<'$out'"

out=$("$WARDEN" check-config --config "$dir/absent.yml" 2>&1); rc=$?
check "a missing configuration file exits 78" test "$rc" = 78
check "a missing configuration file is named" grep -qx "$dir/absent.yml: cannot read configuration file: no such file" <<<"$out"

# supervise refuses a bad file before touching anything.
out=$("$WARDEN" supervise --config "$dir/many.yml" --state-dir "$dir/state-bad" --runtime-dir "$dir/run-bad" 2>&1); rc=$?
check "supervise with a bad file exits 78" test "$rc" = 78
check "supervise with a bad file writes nothing" test ! -e "$dir/state-bad" -a ! -e "$dir/run-bad"

# Unusable directories (as root, permissions do not stop us; a file in the way and sysfs do).
touch "$dir/a-file"
out=$("$WARDEN" supervise --state-dir "$dir/a-file/state" --runtime-dir "$dir/run1" 2>&1); rc=$?
check "a state dir that cannot be created exits 78" test "$rc" = 78
check "the error names the state directory" grep -q "^warden: $dir/a-file/state: state directory cannot be created" <<<"$out"
out=$("$WARDEN" supervise --state-dir /sys/warden-state --runtime-dir "$dir/run2" 2>&1); rc=$?
check "an unwritable state dir exits 78 with one line" test "$rc" = 78 -a "$(wc -l <<<"$out")" = 1

# Bad flags.
out=$("$WARDEN" supervise --listen nowhere 2>&1); rc=$?
check "a bad --listen is a usage error (64)" test "$rc" = 64

# Port in use: exit 1, one clear line, no child left running.
port=$(free_port)
python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(120)" &
holder=$!
CLEANUP_PIDS+=("$holder")
wait_until 5 "a test listener holds the port" bash -c "ss -ltn | grep -q ':$port '"
out=$("$WARDEN" supervise --listen "127.0.0.1:$port" --state-dir "$dir/state3" --runtime-dir "$dir/run3" 2>&1); rc=$?
check "port in use exits 1" test "$rc" = 1
check "port in use is one clear line" grep -qx "warden: 127.0.0.1:$port: cannot listen: address already in use" <<<"$out"
check "no child was started when the port was taken" bash -c "! grep -q 'child started' <<<'$out'"
kill "$holder"

# A second supervisor on the same runtime directory is refused.
port=$(free_port)
start_supervisor "$dir/one" "$ROOT/examples/warden.yml" --listen "127.0.0.1:$port"
wait_until 20 "first supervisor is up" test -S "$dir/one/run/control.sock"
out=$("$WARDEN" supervise --config "$ROOT/examples/warden.yml" --state-dir "$dir/one/state" --runtime-dir "$dir/one/run" --listen "127.0.0.1:$(free_port)" 2>&1); rc=$?
check "a second supervisor on the same runtime dir exits 1" test "$rc" = 1
check "and says another supervisor is running" grep -q "another supervisor is already running" <<<"$out"
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID"; rc=$?
check "SIGTERM stops the first supervisor cleanly (exit 0)" test "$rc" = 0

# ctl without a supervisor.
out=$("$WARDEN" ctl status --runtime-dir "$dir/nothing-here" 2>&1); rc=$?
check "ctl with no supervisor exits 69" test "$rc" = 69
check "and says where it looked" grep -q "$dir/nothing-here/control.sock" <<<"$out"

# Environments: warden.<env>.yml laid over warden.yml (--env or WARDEN_ENV), and their guards.
env_dir=$(scratch)
env_port=$(free_port)
printf 'supervisor:\n  listen: 127.0.0.1:1\nchildren:\n  - {name: worker, command: [%s, ready], watchdog: 0s}\n' "$FIXTURE" >"$env_dir/warden.yml"
printf 'supervisor:\n  listen: 127.0.0.1:%s\nalerting:\n  route: {receiver: staging-hook}\n  receivers:\n    - {name: staging-hook, webhook_configs: [{url: "http://127.0.0.1:1/hook"}]}\n' "$env_port" >"$env_dir/warden.staging.yml"
printf 'engine:\n  exchange: {fee_rate: 0.9}\n' >"$env_dir/warden.dev.yml"
: >"$env_dir/warden.prod.yml"
out=$("$WARDEN" check-config --config "$env_dir/warden.yml" --env staging 2>&1); rc=$?
check "check-config --env staging: valid, naming the overlay (and its receiver)" \
  test "$rc" = 0 -a -n "$(grep -xE "$env_dir/warden.yml \+ warden.staging.yml \(environment staging\): configuration is valid \(1 children: worker; [0-9]+ rules, 1 receivers\)" <<<"$out")"
out=$(WARDEN_ENV=dev "$WARDEN" check-config --config "$env_dir/warden.yml" 2>&1); rc=$?
check "WARDEN_ENV=dev: a bad value in the overlay exits 78 naming the overlay's file and line" \
  test "$rc $out" = "78 $env_dir/warden.dev.yml:2: engine.exchange.fee_rate: expected 0 to 0.5, found 0.9"
out=$("$WARDEN" check-config --config "$env_dir/warden.yml" --env prod 2>&1); rc=$?
check "prod refuses the paper exchange and replayed candles (exit 78)" \
  test "$rc $(grep -c 'environment prod: refuses' <<<"$out")" = "78 2"
out=$("$WARDEN" check-config --config "$env_dir/warden.yml" --env qa 2>&1); rc=$?
check "an unknown environment is refused with the ones that exist" \
  test "$rc" = 78 -a -n "$(grep -F "unknown environment 'qa' (--env or WARDEN_ENV): expected one of dev, staging, prod" <<<"$out")"
start_supervisor "$env_dir" "$env_dir/warden.yml" --env staging
wait_until 20 "the supervisor runs on the staging overlay's port" bash -c "curl -fsS http://127.0.0.1:$env_port/healthz >/dev/null"
check "its worker inherits the environment (WARDEN_ENV=staging)" \
  grep -qz '^WARDEN_ENV=staging$' "/proc/$(child_field "$env_dir/run" worker .pid)/environ"
check "alerting reads the overlay too: its receiver is probed" \
  test "$("$WARDEN" health --json --config "$env_dir/warden.yml" --env staging --runtime-dir "$env_dir/run" | jq -r '[.layers[].checks[].name] | map(select(startswith("receiver:"))) | join(",")')" = "receiver:staging-hook/webhook"
check "its start-up line names the environment" log_has "$env_dir/log" '.message == "supervisor starting" and .metadata.environment == "staging"'
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

finish
