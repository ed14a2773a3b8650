#!/usr/bin/env bash
# `warden optimize`: its grid against backtesting.py's optimize, bayes and ga against the grid's
# optimum and Optuna's TPE on the same table, the same trials and best for
# every method at --jobs 1 and 2, walk-forward windows on dates, the overfitting measures and
# self-checks in the report, runs stored and listed, and the best applied to a running engine
# with `warden strategies set --from-run`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/engine_lib.sh"
echo "optimising strategies"

dir=$(scratch)
HOURLY=$ROOT/data/BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz
out=$("$PY" "$ROOT/tests/oracles/optimize_compare.py" "$WARDEN" "$HOURLY" 2>"$dir/optimize_compare.err"); rc=$?
check "the grid's return at every point and its best equal backtesting.py's Backtest.optimize ($(head -1 <<<"$out" | sed 's/^ *//'))" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | tail -5

out=$("$PY" "$ROOT/tests/oracles/search_compare.py" "$WARDEN" "$HOURLY" 2>&1); rc=$?
check "with a fifth of the grid's evaluations, bayes and ga reach the grid's optimum within 1 % and bayes does no worse than Optuna's TPE (median of 5 seeds; $(head -1 <<<"$out" | sed 's/^ *//'))" test "$rc" = 0
[ "$rc" = 0 ] || echo "$out" | tail -5

S=(--state-dir "$dir/state")
opt() { "$WARDEN" optimize --strategy rsi_macd --data "$HOURLY" --from 2021-01-01 --to 2021-12-31 --param fast=5:20 --param slow=15:40 --seed 11 "$@"; }
for method in grid random ga bayes; do
  one=$(opt --method "$method" --trials 24 --population 8 --generations 3 --jobs 1 --json --no-store | jq -c 'del(.id)')
  two=$(opt --method "$method" --trials 24 --population 8 --generations 3 --jobs 2 --json --no-store | jq -c 'del(.id)')
  check "$method: the same seed gives the same trials, best and report at --jobs 1 and 2 ($(jq -r '"\(.evaluations) trials, best \(.best.parameters | tostring)"' <<<"$one"))" \
    test -n "$one" -a "$one" = "$two"
  check "$method: no trial breaks rsi_macd's fast < slow" test "$(jq '[.trials[] | select(.parameters.fast >= .parameters.slow)] | length' <<<"$one")" = 0
done
check "another seed gives other random trials" \
  test "$(opt --method random --trials 24 --json --no-store | jq -c '[.trials[].parameters]')" != "$(opt --method random --trials 24 --seed 12 --json --no-store | jq -c '[.trials[].parameters]')"

report=$("$WARDEN" optimize --strategy cci --data "$HOURLY" --from 2020-01-01 --to 2020-12-31 --method bayes --param period=10:60 --trials 16 --seed 3 \
  --walk-forward train=90d,test=30d --json "${S[@]}")
check "the report has the deflated Sharpe ratio and PBO ($(jq -r '"DSR \(.overfitting.deflated_sharpe.probability), PBO \(.overfitting.pbo.probability) over \(.overfitting.pbo.splits) splits"' <<<"$report"))" \
  jq -e '(.overfitting.deflated_sharpe.probability | . >= 0 and . <= 1) and (.overfitting.pbo.probability | . >= 0 and . <= 1) and .overfitting.pbo.splits == 12870' <<<"$report"
check "and the look-ahead and warm-up self-checks, passed" jq -e '.checks.look_ahead.passed and .checks.warm_up.passed' <<<"$report"
check "walk-forward: 90-day train and 30-day test windows stepping by 30 days through 2020 ($(jq '.walk_forward.windows | length' <<<"$report") windows)" \
  jq -e '.walk_forward.windows as $w | ($w | length) == 9 and $w[0].window.train_start == 1577836800000 and $w[0].window.test_start == 1585612800000
    and all($w[]; .window.test_end - .window.test_start == 2592000000 and .window.train_end == .window.test_start)
    and ([range(1; $w | length) | $w[.].window.train_start - $w[. - 1].window.train_start] | unique) == [2592000000]' <<<"$report"
check "each window chose parameters in sample and was scored out of sample; the joined curve starts at the cash" \
  jq -e 'all(.walk_forward.windows[]; .parameters.period != null and .out_of_sample != null) and .walk_forward.equity[0][1] > 0' <<<"$report"
id=$(jq -r .id <<<"$report")
check "the run is stored and listed ($id)" bash -c "'$WARDEN' optimize list ${S[*]} | grep -q '^$id .* cci bayes sharpe seed 3: [0-9]* trials'"
check "warden optimize show prints its report" bash -c "'$WARDEN' optimize show ${id:0:8} ${S[*]} | grep -q 'deflated Sharpe ratio'"
check "and its trials are in optimisation_trials" test "$(sqlite3 "$dir/state/warden.sqlite" "SELECT count(*) FROM optimisation_trials WHERE run_id = '$id'")" = "$(jq '.trials | length' <<<"$report")"
out=$("$WARDEN" optimize --strategy cci --data "$HOURLY" --method grid --param length=1:2 --no-store 2>&1); rc=$?
check "an unknown parameter is a usage error naming the strategy's parameters" test "$rc" = 64 -a -n "$(grep "cci has no parameter 'length'; it has: period, lower, upper" <<<"$out")"
out=$("$WARDEN" optimize --strategy cci --data "$HOURLY" --method grid --param period=1:20 --no-store 2>&1); rc=$?
check "a range outside the declared bounds is refused" test "$rc" = 64 -a -n "$(grep 'cci.period is bounded to 2..500' <<<"$out")"

# The best point applied to a running engine, journaled as any change.
engine_config "$dir"
cp "$dir/warden.yml" "$dir/warden.yml.orig"
start_supervisor "$dir" "$dir/warden.yml"
wait_until 60 "the engine is running" child_is "$dir/run" engine running
best=$(jq -c .best.parameters <<<"$report")
check "warden strategies set cci --from-run $id applies its best parameters" \
  bash -c "'$WARDEN' strategies set cci --from-run $id --by olga --config '$dir/warden.yml' ${S[*]} --runtime-dir '$dir/run' | grep -q 'set by olga'"
wait_until 30 "the engine runs cci with them ($best)" bash -c "'$WARDEN' strategies list --json --runtime-dir '$dir/run' | jq -e --argjson b '$best' '.[] | select(.name == \"cci\") | .parameters.period == \$b.period'"
out=$("$WARDEN" strategies set rsi_macd --from-run "$id" --config "$dir/warden.yml" "${S[@]}" --runtime-dir "$dir/run" 2>&1); rc=$?
check "a run of another strategy is refused" test "$rc" = 64 -a -n "$(grep "optimised cci, not rsi_macd" <<<"$out")"
finish
