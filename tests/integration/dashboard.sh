#!/usr/bin/env bash
# The dashboard in a real browser (headless Chromium through Selenium), on the real binary under
# the supervisor with the engine trading a replay: log in, the equity curve against the store, a
# fill appearing live, pause from the page seen in `warden ctl status`, strategies made and
# archived, a backtest run, the risk limits, the operations page for an admin, a viewer without
# controls and refused when forging, phone width, the dark theme. Screenshots: $DASHBOARD_SHOTS (default
# the scratch directory's shots/).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "the dashboard in a browser"

dir=$(scratch)
api_port=$(free_port)
sup_port=$(free_port)
paper_api_config "$dir" 120 "$api_port" "$sup_port"
W=(--config "$dir/warden.yml" --state-dir "$dir/state" --runtime-dir "$dir/run")
echo 'admin password!' | "$WARDEN" user add alice --role admin "${W[@]}" >/dev/null
echo 'operator password' | "$WARDEN" user add oscar --role operator "${W[@]}" >/dev/null
echo 'viewer password!' | "$WARDEN" user add vera --role viewer "${W[@]}" >/dev/null
start_supervisor "$dir" "$dir/warden.yml"
wait_until 60 "the API child is running and ready" child_is "$dir/run" api running
wait_until 60 "the engine is trading" bash -c "'$WARDEN' ctl status --json --runtime-dir '$dir/run' | jq -e '.children[] | select(.name == \"engine\") | .state == \"running\"'"

base=http://127.0.0.1:$api_port
check "the dashboard page, its stylesheet and script are served" bash -c "curl -fsS $base/dashboard | grep -q '/dashboard/app.js' && curl -fsS -o /dev/null $base/dashboard/app.css && curl -fsS -o /dev/null $base/dashboard/app.js"
first_byte=$(curl -s -o /dev/null -w '%{time_starttransfer}' "$base/dashboard")
echo "  info  first byte of /dashboard in ${first_byte}s on loopback"
shots=${DASHBOARD_SHOTS:-$dir/shots}
WARDEN_TRADES="$WARDEN trades --json ${W[*]}" "$PY" "$ROOT/tests/integration/dashboard_browser.py" "$base" "$dir/state/warden.sqlite" "$shots" -- \
  "$WARDEN" ctl status --json --runtime-dir "$dir/run" >"$dir/browser.log" 2>"$dir/browser.err"
while IFS=$'\t' read -r result what detail; do
  case $result in
    PASS) pass "$what" ;;
    FAIL) fail "$what" "$detail" ;;
  esac
done <"$dir/browser.log"
check "the browser run finished every check (32)" test "$(grep -c "^PASS\|^FAIL" "$dir/browser.log")" -ge 32
[ -s "$dir/browser.err" ] && grep -q Traceback "$dir/browser.err" && fail "the browser script stopped" "$(tail -20 "$dir/browser.err")"
check "screenshots were saved for a person to look at ($shots)" test -s "$shots/overview.png" -a -s "$shots/phone.png"
finish
