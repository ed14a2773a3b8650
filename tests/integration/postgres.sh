#!/usr/bin/env bash
# Storage against a real PostgreSQL 15 that the test starts on loopback (initdb in a temp dir).
source "$(dirname "$0")/lib.sh"
echo "schema migrations on a real PostgreSQL 15"

source "$(dirname "$0")/postgres_lib.sh"
check "PostgreSQL 15 is installed" test -x "$PG/initdb"
dir=$(scratch)
start_postgres "$dir"
port=$PG_PORT
psql_do() { psql -h 127.0.0.1 -p "$port" -U postgres -d warden -At -c "$1"; }
psql -h 127.0.0.1 -p "$port" -U postgres -At -c "CREATE DATABASE warden" >/dev/null

export WARDEN_TEST_DB_URL="postgres://postgres@127.0.0.1:$port/warden?sslmode=disable"
printf 'database:\n  url: ${env:WARDEN_TEST_DB_URL}\n' >"$dir/warden.yml"
db() { "$WARDEN" db "$@" --config "$dir/warden.yml" --state-dir "$dir/state"; }

out=$(db status 2>&1)
check "status on an empty database shows the pending migration" grep -q "schema version 0 of 8 (8 pending" <<<"$out"
out=$(db migrate 2>&1); rc=$?
check "migrate applies versions 1 to 8" test "$rc" = 0 -a -n "$(grep "applied 1, 2, 3, 4, 5, 6, 7, 8; schema version 8" <<<"$out")"
out=$(db migrate 2>&1)
check "migrating again changes nothing" grep -q "schema is current (version 8)" <<<"$out"

# libpq's sslmode: the default (prefer) works on a server without TLS; require is refused at once, saying why.
printf 'database:\n  url: postgres://postgres@127.0.0.1:%s/warden\n' "$port" >"$dir/prefer.yml"
out=$("$WARDEN" db status --config "$dir/prefer.yml" --state-dir "$dir/state" 2>&1); rc=$?
check "a URL without sslmode (prefer) reaches a server without TLS" test "$rc" = 0 -a -n "$(grep 'schema version 8' <<<"$out")"
printf 'database:\n  url: postgres://postgres@127.0.0.1:%s/warden?sslmode=require\n' "$port" >"$dir/require.yml"
started=$(date +%s)
out=$("$WARDEN" db status --config "$dir/require.yml" --state-dir "$dir/state" 2>&1); rc=$?
check "sslmode=require against it fails, naming TLS, not a timeout" test "$rc" != 0 -a -n "$(grep 'does not offer TLS, which sslmode=require requires' <<<"$out")"
check "and at once (well inside the 15 s connect deadline)" test $(( $(date +%s) - started )) -lt 10
printf 'database:\n  url: postgres://postgres@127.0.0.1:%s/warden?sslmode=sometimes\n' "$port" >"$dir/bad.yml"
out=$("$WARDEN" check-config --config "$dir/bad.yml" 2>&1; "$WARDEN" db status --config "$dir/bad.yml" --state-dir "$dir/state" 2>&1)
check "an unknown sslmode names libpq's modes" grep -q "sslmode=sometimes is not one of libpq's modes: disable, allow, prefer, require, verify-ca, verify-full" <<<"$out"
check "every table exists" test "$(psql_do "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('schema_migrations','candles','orders','fills','positions','equity_snapshots','strategies','strategy_parameters','alerts','notification_outbox','backups','maintenance_runs','audit_log','users','api_keys','silences','notification_log')")" = 17
check "candles are partitioned by range" test "$(psql_do "SELECT relkind FROM pg_class WHERE relname = 'candles'")" = p
check "fills are partitioned by range" test "$(psql_do "SELECT relkind FROM pg_class WHERE relname = 'fills'")" = p
check "both have a default partition" test "$(psql_do "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname IN ('candles_default','fills_default')")" = 2
check "a candle lands in the default partition" psql_do "INSERT INTO candles VALUES ('BTCUSDT','1h',1700000000000,1,2,0.5,1.5,10)"
check "exchange amounts are exact decimals" test "$(psql_do "SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'quantity'")" = numeric

# Two migrations at once on a fresh database: the advisory lock lets one apply, the other finds it done.
psql_do "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
db migrate >"$dir/m1.log" 2>&1 & one=$!
db migrate >"$dir/m2.log" 2>&1 & two=$!
wait "$one"; rc1=$?
wait "$two"; rc2=$?
check "two concurrent migrations both succeed" test "$rc1" = 0 -a "$rc2" = 0
check "and each version is recorded once" test "$(psql_do "SELECT count(*) FROM schema_migrations")" = 8

# A database written by a newer build is refused, clearly.
psql_do "INSERT INTO schema_migrations VALUES (999, 'future', 0, '9.9.9')" >/dev/null
out=$(db migrate 2>&1); rc=$?
check "a newer schema is refused with exit 78" test "$rc" = 78
check "and the message says why" grep -q "schema version 999 was written by a newer Warden" <<<"$out"
psql_do "DELETE FROM schema_migrations WHERE version = 999" >/dev/null

# The supervisor migrates at start-up against the same database.
cat >"$dir/supervise.yml" <<YAML
supervisor: {listen: 127.0.0.1:$(free_port)}
database: {url: "\${env:WARDEN_TEST_DB_URL}"}
YAML
start_supervisor "$dir/sup" "$dir/supervise.yml"
wait_until 30 "supervise reports the database ready" log_has "$dir/sup/log" '.message == "database ready" and .metadata.schema_version == "8"' \
  || head -5 "$dir/sup/log"
sup_port=$(grep -o 'listen: 127.0.0.1:[0-9]*' "$dir/supervise.yml" | cut -d: -f3)
db_metrics() { curl -fsS "http://127.0.0.1:$sup_port/metrics" | grep '^warden_database_'; }
wait_until 20 "the supervisor exports warden_database_up 1 for PostgreSQL" bash -c "curl -fsS http://127.0.0.1:$sup_port/metrics | grep -qx 'warden_database_up 1'"
metrics_text=$(db_metrics)
for series in warden_database_size_bytes warden_database_connections warden_database_longest_transaction_seconds \
              warden_database_lock_waits warden_database_cache_hit_ratio 'warden_database_dead_tuples{table="orders"}'; do
  check "PostgreSQL health series $series" grep -qF "$series " <<<"$metrics_text"
done
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null

# Maintenance: dead tuples vacuumed, monthly partitions created ahead, a stray row reported.
psql_do "ALTER TABLE audit_log SET (autovacuum_enabled = false); INSERT INTO audit_log (at, actor, action) SELECT g, 'test', 'x' FROM generate_series(1, 2000) g; DELETE FROM audit_log" >/dev/null
dead_tuples() { [ "$(psql_do "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'audit_log'")" -gt 1000 ]; }
wait_until 20 "PostgreSQL's statistics show the dead tuples" dead_tuples
next_month_ms=$(python3 -c 'import datetime as d; n=d.datetime.now(d.timezone.utc); y,m=(n.year+1,1) if n.month==12 else (n.year,n.month+1); print(int(d.datetime(y,m,15,tzinfo=d.timezone.utc).timestamp()*1000))')
psql_do "INSERT INTO candles VALUES ('BTCUSDT','1h',$next_month_ms,1,2,0.5,1.5,10)" >/dev/null
out=$(db maintain --dry-run --json 2>&1); rc=$?
check "maintain --dry-run plans the vacuum" test "$(jq -r '.tasks[] | select(.name == "vacuum audit_log") | .outcome' <<<"$out")" = would-do
check "maintain --dry-run creates no partition" test "$(psql_do "SELECT count(*) FROM pg_class WHERE relname LIKE 'candles_y%'")" = 0
out=$(db maintain --json 2>&1); rc=$?
check "maintain exits 1 when it finds a problem" test "$rc" = 1
check "the stray row in the default partition is the problem, named" \
  test "$(jq -r '[.tasks[] | select(.outcome == "problem") | .detail] | join(";")' <<<"$out" | grep -c 'sit in candles_default; move them first')" = 1
check "audit_log was vacuumed" test "$(psql_do "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'audit_log'")" = t
check "candles partitions for this month and two more were created (not the blocked one)" \
  test "$(psql_do "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'candles' AND c.relname LIKE 'candles_y%'")" = 3
check "fills got four monthly partitions" \
  test "$(psql_do "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'fills' AND c.relname LIKE 'fills_y%'")" = 4
check "the runs are recorded in maintenance_runs (the dry run is not), the problem run as such" \
  test "$(psql_do "SELECT string_agg(task || ':' || outcome, ',' ORDER BY id) FROM maintenance_runs")" = "postgres:problem"
out=$(db maintain --json 2>&1)
check "a second run skips the partitions that exist" test "$(jq -r '[.tasks[] | select(.outcome == "skipped")] | length' <<<"$out")" -ge 7

# A bloated index is rebuilt concurrently; a partition past retention is detached, its rows kept.
psql_do "INSERT INTO orders (client_order_id, symbol, side, type, quantity, status, created_at, updated_at)
  SELECT 'bloat-' || g, 'BTCUSDT', 'buy', 'market', '1', 'new', g, g FROM generate_series(1, 100000) g;
  DELETE FROM orders WHERE client_order_id LIKE 'bloat-%' AND right(client_order_id, 2) <> '00'" >/dev/null
psql_do "VACUUM ANALYZE orders" >/dev/null
index_bytes() { psql_do "SELECT pg_relation_size('orders_client_order_id_key')"; }
before=$(index_bytes)
psql_do "CREATE TABLE candles_y2020m01 PARTITION OF candles FOR VALUES FROM (1577836800000) TO (1580515200000);
  INSERT INTO candles VALUES ('BTCUSDT','1h',1577840400000,1,2,0.5,1.5,10)" >/dev/null
printf 'database:\n  url: ${env:WARDEN_TEST_DB_URL}\n  partition_retention_months: 12\n' >"$dir/retention.yml"
out=$("$WARDEN" db maintain --json --config "$dir/retention.yml" --state-dir "$dir/state" 2>&1)
check "maintain rebuilt the bloated index" test "$(jq -r '.tasks[] | select(.name == "reindex orders_client_order_id_key") | .outcome' <<<"$out")" = done
check "which is now smaller ($before bytes before, $(index_bytes) after)" test "$(index_bytes)" -lt "$((before / 2))"
check "and still valid" test "$(psql_do "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_client_order_id_key'::regclass")" = t
reindexed=$(jq -r '[.tasks[] | select(.name | startswith("reindex")) | .name] | join(",")' <<<"$out")
check "only the bloated table's indexes were rebuilt ($reindexed)" test -z "$(tr ',' '\n' <<<"$reindexed" | grep -v '^reindex orders_')"
check "the 2020 partition is detached (past 12 months)" test "$(jq -r '.tasks[] | select(.name == "detach candles_y2020m01") | .outcome' <<<"$out")" = done
check "and kept as a plain table with its row" test "$(psql_do "SELECT relispartition::text || ' ' || (SELECT count(*) FROM candles_y2020m01) FROM pg_class WHERE relname = 'candles_y2020m01'")" = "false 1"
check "this month's partition stays attached" test "$(jq -r '[.tasks[] | select(.name | startswith("detach"))] | length' <<<"$out")" = 1

# PostgreSQL down: a clear error, not a hang.
stop_postgres
started=$(date +%s)
out=$(timeout 60 "$WARDEN" db status --config "$dir/warden.yml" --state-dir "$dir/state" 2>&1); rc=$?
check "with PostgreSQL down, db status fails (exit $rc) instead of hanging" test "$rc" != 0 -a "$rc" != 124
check "and names the database" grep -q "postgres://postgres@127.0.0.1:$port/warden" <<<"$out"
check "the password-free location is all it shows" bash -c "! grep -q 'sslmode' <<<'$out'"

finish
