#!/usr/bin/env bash
# The shipped unit file: systemd-analyze verify is silent, and the exposure score is reported.
source "$(dirname "$0")/lib.sh"
echo "systemd/warden.service"

dir=$(scratch)
check "systemd-analyze is installed" command -v systemd-analyze
# verify needs ExecStart's binary to exist: point it at the build.
sed "s#/usr/local/bin/warden#$WARDEN#" "$ROOT/systemd/warden.service" >"$dir/warden.service"
out=$(systemd-analyze verify "$dir/warden.service" 2>&1); rc=$?
check "systemd-analyze verify passes" test "$rc" = 0
check "systemd-analyze verify prints no warning" test -z "$out"
[ -n "$out" ] && echo "$out"
for key in "Type=notify" "NotifyAccess=main" "WatchdogSec=" "Restart=on-failure" "RestartSec=" "KillMode=mixed" \
           "RuntimeDirectory=warden" "StateDirectory=warden" "NoNewPrivileges=yes" "ProtectSystem=strict" \
           "ProtectHome=yes" "PrivateTmp=yes" "User=warden" "SystemCallFilter=@system-service" "RestartPreventExitStatus=78"; do
  check "unit sets $key" grep -q "^$key" "$ROOT/systemd/warden.service"
done
exposure=$(systemd-analyze security --offline=true "$dir/warden.service" 2>/dev/null | grep -o 'Overall exposure level for .*')
echo "  info  $exposure"
check "exposure level is reported as OK (below 2.0)" grep -qE 'level for warden.service: (0|1)\.[0-9] OK' <<<"$exposure"

finish
