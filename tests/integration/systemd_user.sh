#!/usr/bin/env bash
# Warden under a real systemd user manager: Type=notify readiness, STATUS=, child restarts,
# systemd's watchdog on a frozen supervisor, reload, and a clean stop.
source "$(dirname "$0")/lib.sh"
echo "under a real systemd user manager"

# systemd --user only starts when /run/systemd/system exists. Remove it afterwards if we made it,
# even on failure: apt's scripts believe systemd runs while it exists.
created_marker=false
if [ ! -d /run/systemd/system ]; then mkdir -p /run/systemd/system; created_marker=true; fi
XDG_RUNTIME_DIR=$(mktemp -d /tmp/warden-xdg-XXXXXX)
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
manager_pid=""
journald_pid=""
teardown() {
  systemctl --user stop warden-test.service >/dev/null 2>&1
  [ -n "$manager_pid" ] && kill -TERM "$manager_pid" 2>/dev/null && wait "$manager_pid" 2>/dev/null
  if [ -n "$journald_pid" ]; then
    kill -TERM "$journald_pid" 2>/dev/null && wait "$journald_pid" 2>/dev/null
    rm -rf /run/systemd/journal /run/log/journal
  fi
  $created_marker && rmdir /run/systemd/system 2>/dev/null
  rm -rf "$XDG_RUNTIME_DIR"
  cleanup
}
trap teardown EXIT

# A real journald, so that the service's stderr is a journal stream and Warden writes native records.
if [ ! -S /run/systemd/journal/socket ]; then
  /lib/systemd/systemd-journald >"$XDG_RUNTIME_DIR/journald.log" 2>&1 &
  journald_pid=$!
  wait_until 10 "systemd-journald starts" test -S /run/systemd/journal/stdout
fi
# StateDirectory= of a user unit lives under $XDG_CONFIG_HOME (systemd 252; $XDG_STATE_HOME from
# 253): scratch ones, so no earlier run's database (or a developer's own) is picked up.
XDG_CONFIG_HOME=$XDG_RUNTIME_DIR/config XDG_STATE_HOME=$XDG_RUNTIME_DIR/state \
  /lib/systemd/systemd --user >"$XDG_RUNTIME_DIR/manager.log" 2>&1 &
manager_pid=$!
if ! wait_until 20 "systemd --user starts" test -S "$XDG_RUNTIME_DIR/systemd/private"; then
  cat "$XDG_RUNTIME_DIR/manager.log"
  finish; exit 1
fi

# The shipped unit, adapted to a user manager: no User=/Group= and no mount-namespace sandboxing
# (a user manager in this container cannot set those up); a short watchdog so the test is quick.
port=$(free_port)
units=$XDG_RUNTIME_DIR/systemd/user
mkdir -p "$units"
grep -vE '^(User|Group|ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules|ProtectKernelLogs|ProtectControlGroups|ProtectClock|ProtectHostname|ProtectProc|DevicePolicy|RemoveIPC|WatchdogSec|TimeoutAbortSec|RestartSec)=' \
  "$ROOT/systemd/warden.service" \
  | sed "s#^ExecStart=.*#ExecStart=$WARDEN supervise --listen 127.0.0.1:$port#" >"$units/warden-test.service"
cat >>"$units/warden-test.service" <<UNIT
[Service]
WatchdogSec=3s
TimeoutAbortSec=2s
RestartSec=500ms
UNIT
systemctl --user daemon-reload
check "systemctl --user start succeeds (READY=1 reached systemd)" systemctl --user start warden-test.service
check "the unit is active" test "$(systemctl --user is-active warden-test.service)" = active
show() { systemctl --user show warden-test.service -p "$1" --value; }
status_text=$(show StatusText)
check "StatusText names both children running" grep -qE '^engine: running \(pid [0-9]+, up [0-9]+s\) · api: running \(pid [0-9]+' <<<"$status_text"
run=$XDG_RUNTIME_DIR/warden
check "RuntimeDirectory= is used for the control socket" test -S "$run/control.sock"
check "warden ctl status works through it" "$WARDEN" ctl status --runtime-dir "$run"
check "the supervisor's /readyz is 200" curl -fsS "http://127.0.0.1:$port/readyz"
main_pid=$(show MainPID)
api_pid=$(child_field "$run" api .pid)
check "workers do not see systemd's NOTIFY_SOCKET" bash -c "! tr '\0' '\n' </proc/$api_pid/environ | grep -qx 'NOTIFY_SOCKET=$XDG_RUNTIME_DIR/systemd/notify'"

# Native journald records: the supervisor's own, and the workers' relayed with their category.
journal() { journalctl --no-pager -o json SYSLOG_IDENTIFIER=warden "$@" 2>/dev/null; }
journal_has() { [ -n "$(journal "${@:2}" | jq -r "select($1) | .MESSAGE")" ]; }
wait_until 10 "the supervisor writes native journald records" journal_has '.MESSAGE == "supervisor ready" and .PRIORITY == "6" and .WARDEN_LEVEL == "info"' WARDEN_CATEGORY=system
check "metadata becomes journal fields" journal_has '.MESSAGE == "child ready" and .WARDEN_CHILD == "engine"' WARDEN_CATEGORY=system
check "worker lines keep their category in the journal" journal_has '.WARDEN_CHILD == "api" and .MESSAGE == "worker ready"' WARDEN_CATEGORY=api
check "no JSON line reached the journal as text" bash -c "! journalctl --no-pager -o cat _SYSTEMD_USER_UNIT=warden-test.service 2>/dev/null | grep -q '^{'"

# SIGKILL the engine: a new engine becomes READY under the same supervisor.
engine_pid=$(child_field "$run" engine .pid)
kill -KILL "$engine_pid"
wait_until 20 "a SIGKILLed engine is replaced by a READY one" child_replaced "$run" engine "$engine_pid"
check "the restart is recorded with its signal" test "$(child_field "$run" engine .last_exit.signal)" = SIGKILL
wait_until 10 "StatusText follows the new engine pid" bash -c "systemctl --user show warden-test.service -p StatusText --value | grep -q \"engine: running (pid $(child_field "$run" engine .pid)\""
check "the supervisor itself was not restarted" test "$(show MainPID)" = "$main_pid"

# Reload through systemd: RELOADING=1 then READY=1; the unit stays active.
check "systemctl --user reload succeeds" systemctl --user reload warden-test.service
# ExecReload is `kill -HUP`, so systemctl returns before the supervisor's RELOADING=1 … READY=1: poll.
unit_active() { [ "$(systemctl --user is-active warden-test.service)" = active ]; }
wait_until 10 "the unit is active again after the reload (READY=1 after RELOADING=1)" unit_active

# SIGSTOP the supervisor: its WATCHDOG=1 pings stop, so systemd's watchdog restarts the service.
old_children=$(status_json "$run" | jq -r '.children[].pid')
kill -STOP "$main_pid"
wait_until 30 "systemd's watchdog replaces a frozen supervisor" bash -c "p=\$(systemctl --user show warden-test.service -p MainPID --value); [ -n \"\$p\" ] && [ \"\$p\" != 0 ] && [ \"\$p\" != $main_pid ] && [ \"\$(systemctl --user is-active warden-test.service)\" = active ]"
check "systemd counted the restart" test "$(show NRestarts)" -ge 1
check "the frozen supervisor's children are gone" all_gone $old_children
wait_until 20 "the new supervisor's children are ready" supervisor_ready "$run"

# Stop: nothing of Warden is left, no zombie either.
pids="$(show MainPID) $(status_json "$run" | jq -r '.children[].pid' | tr '\n' ' ')"
check "systemctl --user stop succeeds" systemctl --user stop warden-test.service
check "the unit is inactive" test "$(systemctl --user is-active warden-test.service)" = inactive
check "no warden process or zombie is left" bash -c "for p in $pids; do [ ! -e /proc/\$p ] || exit 1; done"
check "the unit's cgroup is empty" test -z "$(systemctl --user show warden-test.service -p ControlGroup --value)"
check "the stop was clean (Result=success)" test "$(show Result)" = success

# `make install`'s layout into a scratch prefix, as a user unit: the installed unit starts both
# workers from it (the engine finds its bundled candles there), and uninstall keeps the configuration.
prefix=$XDG_RUNTIME_DIR/prefix
etc=$XDG_RUNTIME_DIR/etc
mkdir -p "$etc/warden"
port2=$(free_port)
# (A deploy takes a fresh verified backup first; these are unencrypted.)
printf 'supervisor:\n  listen: 127.0.0.1:%s\nbackup:\n  encryption: none\n' "$port2" >"$etc/warden/warden.yml"
check "scripts/install.sh installs into a prefix" env PREFIX="$prefix" SYSCONFDIR="$etc" UNITDIR="$units" USER_UNIT=1 BINARY="$WARDEN" bash "$ROOT/scripts/install.sh" install
check "it kept the existing configuration" grep -q "127.0.0.1:$port2" "$etc/warden/warden.yml"
check "bin/warden is a symlink to a release" test -L "$prefix/bin/warden" -a -x "$(readlink "$prefix/bin/warden")"
check "the bundled data, runbooks, rules and dashboards are under share/warden" \
  test -f "$prefix/share/warden/data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz" -a -f "$prefix/share/warden/runbooks/child-down.md" \
  -a -f "$prefix/share/warden/prometheus/rules/warden.rules.yml" -a -d "$prefix/share/warden/grafana/dashboards"
check "the installed unit runs the installed binary with the installed configuration" \
  grep -qx "ExecStart=$prefix/bin/warden supervise --config $etc/warden/warden.yml" "$units/warden.service"
systemctl --user daemon-reload
check "systemctl --user start warden succeeds" systemctl --user start warden.service
wait_until 30 "both workers are ready under the installed unit" supervisor_ready "$run"
check "the engine found its candles beside the install (running, never restarted)" \
  test "$(child_field "$run" engine .state) $(child_field "$run" engine .restarts)" = "running 0"
check "the installed warden finds its runbooks" bash -c "env -u WARDEN_RUNBOOKS '$prefix/bin/warden' runbook list | grep -q '^child-down '"
# warden deploy under the user manager: a good binary is promoted; one that never sends READY=1 is
# rolled back automatically and the release before it serves again, with the history saying so.
state=$XDG_RUNTIME_DIR/config/warden   # a user unit's StateDirectory= on systemd 252
deploy() {
  "$prefix/bin/warden" deploy "$@" --prefix "$prefix" --unit warden --user --config "$etc/warden/warden.yml" \
    --state-dir "$state" --runtime-dir "$run"
}
# deploy_to NAME: `warden deploy` with short waits, its output kept for a failure's message.
deploy_to() { deploy "$@" --ready-timeout 20s --settle 2s --by ci >>"$XDG_RUNTIME_DIR/deploy.log" 2>&1 || { cat "$XDG_RUNTIME_DIR/deploy.log"; return 1; }; }
good=$XDG_RUNTIME_DIR/warden-good
cp "$WARDEN" "$good"
printf 'another build' >>"$good"   # the same program with another checksum: another release
first=$(readlink "$prefix/bin/warden")
check "deploy --dry-run runs the pre-checks" deploy_to "$good" --dry-run
check "and changes nothing" test "$(readlink "$prefix/bin/warden")" = "$first"
check "deploy promotes a good binary" deploy_to "$good"
second=$(readlink "$prefix/bin/warden")
check "the link points at the new release, the old one is kept" test "$second" != "$first" -a -x "$first"
wait_until 30 "the new release is ready" supervisor_ready "$run"
bad=$XDG_RUNTIME_DIR/warden-bad
cat >"$bad" <<SCRIPT
#!/bin/bash
# Passes every pre-check (it is warden for those) but never becomes ready as a service.
[ "\$1" = supervise ] && exec sleep infinity
exec "$good" "\$@"
SCRIPT
chmod +x "$bad"
deploy "$bad" --ready-timeout 20s --settle 2s --by ci >"$XDG_RUNTIME_DIR/deploy-bad.log" 2>&1
check "deploying a binary that never sends READY=1 fails (exit 1)" test "$?" = 1
check "it was rolled back: the link points at the release before it" test "$(readlink "$prefix/bin/warden")" = "$second"
wait_until 30 "the release before it serves again" supervisor_ready "$run"
history=$(deploy history --json)
check "the history says so, newest first: rolled back for want of READY, promoted, the dry run" \
  test "$(jq -r '[.[] | .outcome] | join(" ")' <<<"$history") · $(jq -r '.[0].reason' <<<"$history")" = "rolled_back promoted dry_run · no READY within 20s"
check "and the audit log" test "$(sqlite3 "$state/warden.sqlite" "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_log WHERE action LIKE 'deploy.%' ORDER BY id)")" = "deploy.dry_run deploy.promoted deploy.rolled_back"
check "deploy rollback goes back to the first release" deploy_to rollback
check "which serves" test "$(readlink "$prefix/bin/warden")" = "$first"
wait_until 30 "ready after the rollback" supervisor_ready "$run"
check "systemctl --user stop warden succeeds" systemctl --user stop warden.service
check "uninstall removes the binary, unit and shared files" env PREFIX="$prefix" SYSCONFDIR="$etc" UNITDIR="$units" bash "$ROOT/scripts/install.sh" uninstall
check "and keeps the configuration" test ! -e "$prefix/bin/warden" -a ! -e "$units/warden.service" -a ! -e "$prefix/share/warden" -a -f "$etc/warden/warden.yml"

finish
