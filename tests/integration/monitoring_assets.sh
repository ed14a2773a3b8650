#!/usr/bin/env bash
# prometheus/ and grafana/: rules valid and unit-tested by promtool, dashboards parse, and every
# metric they name is in the README's metrics table (the contract with later parts).
source "$(dirname "$0")/lib.sh"
echo "Prometheus rules and Grafana dashboards"

check "promtool check rules" promtool check rules "$ROOT/prometheus/rules/warden.rules.yml"
out=$(promtool test rules "$ROOT"/prometheus/tests/*.yml 2>&1); rc=$?
check "promtool test rules passes every rule test" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out"
out=$(python3 "$ROOT/tests/monitoring/check_assets.py" 2>&1); rc=$?
echo "  info  $(head -1 <<<"$out")"
check "alerts, tests, dashboards and the README metrics table agree" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out"
check "the dashboards are what grafana/generate.py writes" bash -c "cd '$ROOT/grafana' && python3 generate.py && git -C '$ROOT' diff --quiet -- grafana/dashboards"

finish
