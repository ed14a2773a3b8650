#!/usr/bin/env bash
# `warden indicators` against TA-Lib itself (PyPI ta-lib, run here) on every bar of both bundled
# files, and bad input reported with file and line.
source "$(dirname "$0")/lib.sh"
echo "indicators against TA-Lib"

dir=$(scratch)
check "TA-Lib is installed" "$PY" -c "import talib"
specs=$("$PY" "$ROOT/scripts/talib_golden.py" specs)
for data in "$ROOT"/data/*.csv.gz; do
  name=$(basename "$data" .csv.gz)
  # shellcheck disable=SC2086
  "$WARDEN" indicators --data "$data" $specs >"$dir/$name.csv" 2>"$dir/$name.err"
  check "$name: warden indicators succeeds" test -s "$dir/$name.csv"
  out=$("$PY" "$ROOT/scripts/talib_golden.py" compare "$data" "$dir/$name.csv" 2>&1); rc=$?
  check "$name: every value of 21 columns within 1e-9 of TA-Lib, warm-up cells identical ($(tail -1 <<<"$out" | cut -d: -f1))" test "$rc" = 0
  [ "$rc" = 0 ] || echo "$out" | head -5
  check "$name: the gaps are reported once, on stderr" grep -q "gap(s) in the data" "$dir/$name.err"
done
json=$("$WARDEN" indicators --data "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz" --indicator rsi:14 --format json)
check "--format json: nulls in the warm-up, numbers after" test "$(jq -r '"\(.[13].rsi_14) \(.[14].rsi_14 | type)"' <<<"$json")" = "null number"

printf 'timestamp,open,high,low,close,volume\n60000,1,2,0.5,1.5,10\n60000,1,2,0.5,1.5,10\n120000,1,0.1,0.5,1.5,10\n' >"$dir/bad.csv"
out=$("$WARDEN" indicators --data "$dir/bad.csv" --indicator sma:2 2>&1); rc=$?
check "bad rows fail with exit 64" test "$rc" = 64
check "naming file and line of the duplicate" grep -q "bad.csv:3: duplicate timestamp 60000" <<<"$out"
check "and of high below low" grep -q "bad.csv:4: high 0.1 is below low 0.5" <<<"$out"
out=$("$WARDEN" indicators --data "$dir/bad.csv" --indicator stoch:3 2>&1); rc=$?
check "an unknown indicator is a usage error naming it" test "$rc" = 64 -a -n "$(grep "unknown indicator 'stoch'" <<<"$out")"

finish
