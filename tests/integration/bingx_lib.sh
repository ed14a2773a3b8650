# What bingx.sh and bingx_swap.sh share: the fake BingX (tests/fakes/bingx.py) and reading what it saw.
DATA=$ROOT/data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz
export BX_KEY=fake-key BX_SECRET=fake-secret FAKE_BINGX_KEY=fake-key FAKE_BINGX_SECRET=fake-secret
port_open() { bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# fake DIR [SPEED] [MARKET]: a fresh fake BingX (spot, or swap) for DIR, SPEED bars a second (2),
# its request log in DIR/bingx.jsonl and its stream's port in DIR/ws_port; prints its REST port.
fake() {
  local port ws; port=$(free_port); ws=$(free_port)
  echo "$ws" >"$1/ws_port"
  "$PY" "$ROOT/tests/fakes/bingx.py" "$port" "$1/bingx.jsonl" "$DATA" --speed "${2:-2}" --history 400 --ws-port "$ws" --market "${3:-spot}" \
    >"$1/fake.log" 2>&1 & cleanup_later $!
  wait_until 20 "the fake BingX (${3:-spot}) listens" port_open "$port" >/dev/null
  wait_until 20 "its market stream listens" port_open "$ws" >/dev/null
  echo "$port"
}
state() { curl -fsS "http://127.0.0.1:$1/_control/state"; }
requests() { jq -s "[.[] | select($2)] | length" "$1/bingx.jsonl"; }   # DIR FILTER: how many logged requests match
db() { sqlite3 "$1/state/warden.sqlite" "$2"; }
metric_sum() {  # PORT NAME LABELTEXT: the sum of a family's samples whose labels contain LABELTEXT
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v n="$2" -v l="$3" 'index($1, n) == 1 && index($1, l) > 0 {s += $2} END {print s + 0}'
}
