# Shared by the engine suites (SQLite and PostgreSQL): the replayed file, and how trades are compared.
DATA=$ROOT/data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz
finished() { child_field "$1/run" engine .status_text | grep -q '^engine: replay finished'; }
# Closed trades as comparable lines; open ones by their entry.
trade_lines() { jq -r '.[] | "\(.entry_time) \(.entry_price) \(.exit_time) \(.exit_price) \(.quantity) \(.fees) \(if .exit_time then .pnl else "open" end)"'; }
expected() {  # STRATEGY: its trades in `warden backtest` of the suites' three strategies sharing 30,000
  "$WARDEN" backtest --strategy cci --strategy rsi_macd --strategy bollinger --param bollinger.period=30 --data "$DATA" --cash 30000 \
    --fee 0.001 --slippage-bps 2 --json | jq --arg s "$1" '.slots[] | select(.strategy == $s) | .trades' | trade_lines
}
recorded() {  # DIR STRATEGY: the engine's trades read back with warden trades
  "$WARDEN" trades --json --config "$1/warden.yml" --state-dir "$1/state" | jq --arg s "$2" '.[] | select(.strategy == $s) | .trades' | trade_lines
}
progress_past() {  # DIR RATIO: the replay is past RATIO of the file, by the supervisor's /metrics
  local port; port=$(grep -o 'supervisor: {listen: 127.0.0.1:[0-9]*' "$1/warden.yml" | cut -d: -f4)
  curl -fsS "http://127.0.0.1:$port/metrics" | awk -v p="$2" '$1 ~ /^warden_engine_replay_progress_ratio/ && $2 > p {found=1} END {exit !found}'
}
engine_config() {  # DIR [DATABASE_URL]: all three strategies, 10,000 each, replayed as fast as possible
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
api: {listen: 127.0.0.1:$(free_port)}
${2:+database: {url: \"$2\"\}}
engine:
  market_data: {file: $DATA, speed: 0}
  exchange: {kind: paper, starting_balance: 30000, fee_rate: 0.001, slippage_bps: 2}
  strategies: [{name: cci}, {name: rsi_macd}, {name: bollinger, params: {period: 30}}]
YAML
}
paper_api_config() {  # DIR SPEED API_PORT SUPERVISOR_PORT [API_LINE]: cci and bollinger on a paper account, the API on its own port
  cat >"$1/warden.yml" <<YAML
supervisor: {listen: 127.0.0.1:$4}
engine:
  market_data: {file: $DATA, speed: $2}
  exchange: {kind: paper, starting_balance: 30000}
  strategies: [{name: cci}, {name: bollinger}]
api:
  listen: 127.0.0.1:$3
${5:+  $5}
YAML
}
# crash_at DIR LABEL POINT...: at each replay progress POINT, SIGKILL the engine and wait for the supervisor's new one.
crash_at() {
  local dir=$1 label=$2 point pid; shift 2
  for point in "$@"; do
    wait_until 120 "${label}the replay passes $point" progress_past "$dir" "$point"
    pid=$(child_field "$dir/run" engine .pid)
    kill -KILL "$pid"
    wait_until 60 "${label}the engine is back after SIGKILL at $point" child_replaced "$dir/run" engine "$pid"
  done
}
