#!/usr/bin/env bash
# Backups of a real PostgreSQL 15: pg_dump, verify by a real restore into a scratch database,
# restore into a new database with equal data, refusals, and PostgreSQL down (retries, no hang).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/postgres_lib.sh"
echo "backups of PostgreSQL"

dir=$(scratch)
start_postgres "$dir"
psql_at postgres "CREATE DATABASE warden" >/dev/null
export WARDEN_TEST_DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/warden?sslmode=disable"
openssl rand -base64 32 >"$dir/backup.key"
cat >"$dir/warden.yml" <<YAML
database: {url: "\${env:WARDEN_TEST_DB_URL}"}
backup: {encryption_key: "\${file:$dir/backup.key}", attempts: 2}
YAML
bk() { "$WARDEN" backup "$@" --config "$dir/warden.yml" --state-dir "$dir/state"; }
"$WARDEN" db migrate --config "$dir/warden.yml" --state-dir "$dir/state" >/dev/null
"$WARDEN" db maintain --config "$dir/warden.yml" --state-dir "$dir/state" >/dev/null
# Candles across months (monthly partitions and the default one), orders with exact decimals, text with unicode.
psql_at warden "
INSERT INTO candles SELECT 'BTCUSDT', '1h', (extract(epoch FROM now())::bigint - 86400 * 200 + g * 3600) * 1000,
  30000 + sin(g) * 500, 30600 + sin(g) * 500, 29500, 30100 + cos(g) * 400, g * 0.137 FROM generate_series(1, 6000) g;
INSERT INTO strategies (name, kind, created_at) VALUES ('cci-1', 'cci', 1), ('rsi-1', 'rsi_macd', 2);
INSERT INTO orders (client_order_id, strategy_id, symbol, side, type, quantity, price, status, created_at, updated_at)
  SELECT 'c' || g, 1, 'BTCUSDT', 'buy', 'market', '0.00012345', '30123.45', 'filled', g, g FROM generate_series(1, 300) g;
INSERT INTO audit_log (at, actor, action, detail) SELECT g, 'ops', 'test', 'détail ✓ ' || g FROM generate_series(1, 200) g;" >/dev/null
# every table's row count and ordered content hash (the catalog table is left out: it records the backup itself)
digest() {
  local db=$1 t
  for t in $(psql_at "$db" "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public' AND relkind IN ('r','p') AND NOT relispartition AND relname != 'backups' ORDER BY relname"); do
    printf '%s %s %s\n' "$t" "$(psql_at "$db" "SELECT COUNT(*) FROM \"$t\"")" "$(psql_at "$db" "SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM \"$t\" x")"
  done
}
source_digest=$(digest warden)
check "the source has data in several partitions" test "$(psql_at warden "SELECT COUNT(DISTINCT tableoid) FROM candles")" -ge 2

out=$(bk create --json 2>"$dir/create.log"); rc=$?
check "create (pg_dump -Fc) succeeds" test "$rc" = 0
id=$(jq -r .id <<<"$out")
check "the manifest records a postgres backup at the current schema version" test "$(jq -r '"\(.engine) \(.schema_version)"' "$dir/state/backups/$id.json")" = "postgres 8"
check "the catalog row is in PostgreSQL" test "$(psql_at warden "SELECT sha256 FROM backups WHERE id = '$id'")" = "$(jq -r .sha256 "$dir/state/backups/$id.json")"
check "the archive holds no plaintext" test -z "$(strings "$dir/state/backups/$id.wbk" | grep -m1 -e BTCUSDT -e PGDMP)"

out=$(bk verify "$id" 2>&1); rc=$?
check "verify restores into a scratch database and passes" test "$rc" = 0
check "counting the restored rows" test "$(jq -r .tables.candles "$dir/state/backups/$id.json")" = 6000
check "the scratch database is dropped afterwards" test "$(psql_at postgres "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'warden_verify_%'")" = 0

out=$(bk restore "$id" --target "postgres://postgres@127.0.0.1:$PG_PORT/restored?sslmode=disable" 2>&1); rc=$?
check "restore into a new database succeeds" test "$rc" = 0
check "the restored data equals the source: row counts and checksums of every table" test "$(digest restored)" = "$source_digest"
check "partitions came back as partitions" test "$(psql_at restored "SELECT relkind FROM pg_class WHERE relname = 'candles'")" = p

out=$(bk restore "$id" --target "postgres://postgres@127.0.0.1:$PG_PORT/restored?sslmode=disable" 2>&1); rc=$?
check "restoring into a database that has tables is refused without --force" test "$rc" = 64 -a -n "$(grep 'already has tables' <<<"$out")"
psql_at restored "DELETE FROM orders; CREATE TABLE extra (x int)" >/dev/null
check "with --force it replaces the contents" bk restore "$id" --target "postgres://postgres@127.0.0.1:$PG_PORT/restored?sslmode=disable" --force
check "and the data equals the source again (tables not in the backup are gone)" test "$(digest restored)" = "$source_digest"
out=$(bk restore "$id" --target "$WARDEN_TEST_DB_URL" 2>&1); rc=$?
check "restoring over the live database is refused without --force" test "$rc" = 64 -a -n "$(grep 'live database' <<<"$out")"
out=$(bk restore "$id" --target "$dir/x.sqlite" 2>&1); rc=$?
check "a PostgreSQL backup cannot be restored into an SQLite file" test "$rc" = 64 -a -n "$(grep 'postgres:// URL' <<<"$out")"

# Damage: the restore test itself must fail on a dump that is not what pg_dump wrote.
cp "$dir/state/backups/$id.wbk" "$dir/good.wbk"
truncate -s -100 "$dir/state/backups/$id.wbk"
out=$(bk verify "$id" 2>&1); rc=$?
check "a truncated PostgreSQL archive fails verify, naming it" test "$rc" = 1 -a -n "$(grep "$id.wbk" <<<"$out")"
cp "$dir/good.wbk" "$dir/state/backups/$id.wbk"

# PostgreSQL down: a clear error after the configured attempts, with backoff, no hang, no partial file.
stop_postgres
started=$(date +%s)
out=$(timeout 120 "$WARDEN" backup create --config "$dir/warden.yml" --state-dir "$dir/state" 2>&1); rc=$?
elapsed=$(( $(date +%s) - started ))
check "with PostgreSQL down, create fails (exit 1) instead of hanging" test "$rc" = 1
check "saying the database could not be reached after 2 attempts" grep -q "could not be reached after 2 attempt" <<<"$out"
check "having retried with a logged backoff" grep -q "retrying the backup" <<<"$out"
check "within a bounded time (${elapsed}s)" test "$elapsed" -lt 60
check "leaving only the earlier backup" test "$(ls "$dir/state/backups"/*.wbk | wc -l)" = 1 -a -z "$(ls -A "$dir/state/backups/.tmp")"
out=$(timeout 60 "$WARDEN" db maintain --config "$dir/warden.yml" --state-dir "$dir/state" 2>&1); rc=$?
check "maintenance with PostgreSQL down fails clearly (exit $rc), no hang" test "$rc" != 0 -a "$rc" != 124 -a -n "$(grep '127.0.0.1' <<<"$out")"

# Back up: a retry succeeds when the server returns between attempts.
cat >"$dir/retry.yml" <<YAML
database: {url: "\${env:WARDEN_TEST_DB_URL}"}
backup: {encryption_key: "\${file:$dir/backup.key}", attempts: 5}
YAML
"$WARDEN" backup create --config "$dir/retry.yml" --state-dir "$dir/state" >"$dir/retry.out" 2>"$dir/retry.log" & creator=$!
wait_until 30 "the backup is retrying while PostgreSQL is down" grep -q "retrying the backup" "$dir/retry.log" || cat "$dir/retry.log"
resume_postgres
wait "$creator"; rc=$?
check "once PostgreSQL is back, the retried backup succeeds" test "$rc" = 0
check "and verifies" bk verify "$(jq -r '.[-1].id' <<<"$(bk list --json 2>/dev/null)")"

finish
