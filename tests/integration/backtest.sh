#!/usr/bin/env bash
# `warden backtest` against backtesting.py (PyPI, with TA-Lib indicators) on the bundled data:
# every closed trade's entry and exit time and price must be the same.
source "$(dirname "$0")/lib.sh"
echo "backtests against backtesting.py"

dir=$(scratch)
check "backtesting.py is installed" "$PY" -c "import backtesting, talib"
for data in "$ROOT"/data/*.csv.gz; do
  name=$(basename "$data" .csv.gz)
  out=$("$PY" "$ROOT/tests/oracles/backtesting_compare.py" "$WARDEN" "$data" 2>&1); rc=$?
  check "$name: every closed trade of cci, rsi_macd and bollinger equals backtesting.py's ($(grep -o '[0-9]* closed' <<<"$out" | tr '\n' ' '))" test "$rc" = 0
  [ "$rc" = 0 ] || echo "$out" | tail -5
done

out=$("$PY" "$ROOT/tests/oracles/statistics_compare.py" "$WARDEN" "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz" 2>&1); rc=$?
check "Sharpe, Sortino, max drawdown, CAGR and total return equal empyrical's on the same returns, for each strategy" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | tail -5

json=$("$WARDEN" backtest --strategy bollinger --data "$ROOT/data/BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz" --slippage-bps 5 --json)
check "--json has trades with the documented fields" test "$(jq -r '.trades[0] | keys | join(",")' <<<"$json")" = "entry_price,entry_time,exit_price,exit_time,fees,pnl,quantity,return"
check "and stats with the documented fields" test "$(jq -r '.stats | keys | join(",")' <<<"$json")" = "cagr,exposure,final_equity,max_drawdown,profit_factor,sharpe,sortino,total_return,trade_count,win_rate"
check "slippage moves fills against the trader" test "$(jq -r '.trades[0].entry_price > .trades[0].entry_price / 1.0005 * 1.0004' <<<"$json")" = true
plain=$("$WARDEN" backtest --strategy cci --data "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz")
check "without --json, a readable summary" grep -q "total return .* CAGR .* max drawdown" <<<"$plain"
out=$("$WARDEN" backtest --strategy cci --param period=1 --data "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz" 2>&1); rc=$?
check "a parameter out of bounds is a usage error naming it" test "$rc" = 64 -a -n "$(grep 'cci.period must be a whole number from 2 to 500, found 1' <<<"$out")"
out=$("$WARDEN" backtest --strategy nope --data "$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz" 2>&1); rc=$?
check "an unknown strategy lists the known ones" grep -q "expected one of: cci, rsi_macd, bollinger" <<<"$out"

finish
