#!/usr/bin/env bash
# Backups of the embedded SQLite database: round trip, damage, wrong key, disk full, the lock,
# retention, the catalog, and the supervisor's scheduled job and metrics.
source "$(dirname "$0")/lib.sh"
echo "backups of SQLite"

dir=$(scratch)
state=$dir/state
openssl rand -hex 32 >"$dir/backup.key"
openssl rand -hex 32 >"$dir/other.key"
cat >"$dir/warden.yml" <<YAML
backup:
  encryption_key: \${file:$dir/backup.key}
  retention: {keep_last: 2}
YAML
sed "s|backup.key|other.key|" "$dir/warden.yml" >"$dir/other.yml"
printf 'backup: {}\n' >"$dir/nokey.yml"
bk() { "$WARDEN" backup "$@" --state-dir "$state"; }
live=$state/warden.sqlite
"$WARDEN" db migrate --state-dir "$state" >/dev/null
# Realistic rows in several tables (random prices compress like real ones).
python3 - "$live" <<'PY'
import random, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
random.seed(7)
price = 30000.0
rows = []
for i in range(60000):
    price *= 1 + random.gauss(0, 0.001)
    rows.append(("BTCUSDT", "1m", 1700000000000 + i * 60000, price, price * 1.001, price * 0.999, price * (1 + random.gauss(0, 0.0005)), random.random() * 50))
db.executemany("INSERT INTO candles VALUES (?,?,?,?,?,?,?,?)", rows)
db.executemany("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
               [(1700000000000 + i, "ops", "test", "t%d" % i, "détail ✓ %d" % i) for i in range(500)])
db.execute("INSERT INTO strategies (name, kind, created_at) VALUES ('cci-1', 'cci', 1)")
db.commit()
PY
# table_digest DB: every table's rows, ordered, hashed (the catalog table is left out: it records the backup itself).
table_digest() {
  local db=$1 t
  for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'backups' ORDER BY name"); do
    printf '%s %s %s\n' "$t" "$(sqlite3 "$db" "SELECT COUNT(*) FROM \"$t\"")" "$(sqlite3 "$db" "SELECT * FROM \"$t\" ORDER BY 1, 2, 3" | sha256sum | cut -c1-16)"
  done
}
source_digest=$(table_digest "$live")

out=$(bk create --config "$dir/nokey.yml" 2>&1); rc=$?
check "without a key, a backup is refused (exit 64)" test "$rc" = 64
check "and the message says how to set one, or to opt out explicitly" grep -q "backup.encryption: none" <<<"$out"
check "and nothing was written" test -z "$(ls "$state/backups" 2>/dev/null | grep -v '^\.')"

out=$(bk create --config "$dir/warden.yml" --json 2>"$dir/create.log"); rc=$?
check "create succeeds" test "$rc" = 0
id=$(jq -r .id <<<"$out")
check "the archive and its manifest are in <state>/backups" test -f "$state/backups/$id.wbk" -a -f "$state/backups/$id.json"
check "the manifest's SHA-256 is the archive's" test "$(jq -r .sha256 "$state/backups/$id.json")" = "$(sha256sum "$state/backups/$id.wbk" | cut -d' ' -f1)"
check "the archive is smaller than the database (compressed)" test "$(stat -c %s "$state/backups/$id.wbk")" -lt "$(stat -c %s "$live")"
check "the archive holds no plaintext (encrypted)" test -z "$(strings "$state/backups/$id.wbk" | grep -m1 -e BTCUSDT -e CREATE)"
check "the catalog row has the same id, size and checksum" test "$(sqlite3 "$live" "SELECT size_bytes || ' ' || sha256 FROM backups WHERE id = '$id'")" = "$(jq -r '"\(.size_bytes) \(.sha256)"' "$state/backups/$id.json")"
check "no temporary files are left" test -z "$(ls -A "$state/backups/.tmp")"

out=$(bk verify "$id" --config "$dir/warden.yml" 2>&1); rc=$?
check "verify passes" test "$rc" = 0
check "verify records verified_at and restore_tested_at in the manifest" test "$(jq -r '(.verified_at != null) and (.restore_tested_at != null)' "$state/backups/$id.json")" = true
check "and in the catalog" test "$(sqlite3 "$live" "SELECT verified_at IS NOT NULL FROM backups WHERE id = '$id'")" = 1
check "verify counted the rows of every table" test "$(jq -r .tables.candles "$state/backups/$id.json")" = 60000

out=$(bk restore "${id:0:12}" --target "$dir/restored.sqlite" --config "$dir/warden.yml" 2>&1); rc=$?
check "restore by id prefix into a new file succeeds" test "$rc" = 0
check "the restored data equals the source: row counts and checksums of every table" test "$(table_digest "$dir/restored.sqlite")" = "$source_digest"
check "the restored database passes integrity_check" test "$(sqlite3 "$dir/restored.sqlite" "PRAGMA integrity_check")" = ok

out=$(bk restore "$id" --target "$dir/restored.sqlite" --config "$dir/warden.yml" 2>&1); rc=$?
check "restoring onto an existing file is refused without --force" test "$rc" = 64 -a -n "$(grep 'target exists' <<<"$out")"
out=$(bk restore "$id" --target "$live" --config "$dir/warden.yml" 2>&1); rc=$?
check "restoring over the live database is refused without --force" test "$rc" = 64 -a -n "$(grep 'live database' <<<"$out")"

out=$(bk verify "$id" --config "$dir/other.yml" 2>&1); rc=$?
check "a wrong key is a configuration error (exit 78)" test "$rc" = 78
check "that names the key as wrong" grep -q "wrong encryption key" <<<"$out"
out=$(bk restore "$id" --target "$dir/wrongkey.sqlite" --config "$dir/other.yml" 2>&1)
check "and a restore with it writes nothing" test ! -e "$dir/wrongkey.sqlite" -a ! -e "$dir/wrongkey.sqlite.restoring"

cp "$state/backups/$id.wbk" "$dir/good.wbk"
printf '\x55' | dd of="$state/backups/$id.wbk" bs=1 seek=5000 conv=notrunc 2>/dev/null
out=$(bk verify "$id" --config "$dir/warden.yml" 2>&1); rc=$?
check "a corrupted archive fails verify (exit 1)" test "$rc" = 1
check "naming the archive and the checksum mismatch" grep -q "$id.wbk: backup is damaged: SHA-256" <<<"$out"
out=$(bk restore "$id" --target "$dir/corrupt.sqlite" --config "$dir/warden.yml" 2>&1); rc=$?
check "restore refuses it and writes nothing" test "$rc" = 1 -a ! -e "$dir/corrupt.sqlite"
# Damage the archive *and* its manifest checksum, so the frames themselves must catch it.
jq --arg s "$(sha256sum "$state/backups/$id.wbk" | cut -d' ' -f1)" '.sha256 = $s' "$state/backups/$id.json" >"$dir/m.json" && cp "$dir/m.json" "$state/backups/$id.json"
out=$(bk verify "$id" --config "$dir/warden.yml" 2>&1); rc=$?
check "with a matching checksum, the frame's authentication still catches the flipped byte" grep -q "failed authentication" <<<"$out"
head -c 20000 "$dir/good.wbk" >"$state/backups/$id.wbk"
out=$(bk verify "$id" --config "$dir/warden.yml" 2>&1); rc=$?
check "a truncated archive fails verify, saying so" test "$rc" = 1 -a -n "$(grep 'truncated' <<<"$out")"
cp "$dir/good.wbk" "$state/backups/$id.wbk"
jq --arg s "$(sha256sum "$dir/good.wbk" | cut -d' ' -f1)" '.sha256 = $s' "$state/backups/$id.json" >"$dir/m.json" && cp "$dir/m.json" "$state/backups/$id.json"
check "the repaired archive verifies again" bk verify "$id" --config "$dir/warden.yml"

# The lock: a live holder is never unlocked; a dead one is taken over.
sleep 300 & holder=$!
CLEANUP_PIDS+=("$holder")
ticks=$(awk '{sub(/.*\) /, ""); print $20}' "/proc/$holder/stat")
printf '{"pid":%d,"startTicks":%s,"operation":"create","since":"earlier"}' "$holder" "$ticks" >"$state/backups/.lock"
out=$(bk create --config "$dir/warden.yml" 2>&1); rc=$?
check "a backup while another holds the lock is refused (exit 69)" test "$rc" = 69
check "naming the holder's pid" grep -q "pid $holder" <<<"$out"
check "and the live holder's lock stays" grep -q "\"pid\":$holder" "$state/backups/.lock"
kill "$holder"; wait "$holder" 2>/dev/null
touch "$state/backups/.tmp/leftover.wbk.partial"
out=$(bk create --config "$dir/warden.yml" 2>&1); rc=$?
check "once the holder is gone, its lock is stale and the backup runs" test "$rc" = 0
check "saying it took over a stale lock" grep -q "took over a stale backup lock" <<<"$out"
check "and removing the interrupted run's leftovers" test ! -e "$state/backups/.tmp/leftover.wbk.partial"
check "the lock is released afterwards" test ! -e "$state/backups/.lock"

# Retention: keep_last 2, but the newest verified backup (the first one) stays too.
for _ in 1 2; do bk create --config "$dir/warden.yml" >/dev/null 2>&1; done
count() { ls "$state/backups"/*.wbk | wc -l; }
check "four backups exist" test "$(count)" = 4
out=$(bk prune --dry-run --config "$dir/warden.yml" 2>&1)
check "prune --dry-run says what would go" test "$(grep -c 'would remove' <<<"$out")" = 1
check "and deletes nothing" test "$(count)" = 4
check "the first (only verified) backup is kept as the newest verified" grep -q "keep   $id  (newest verified)" <<<"$out"
bk prune --config "$dir/warden.yml" >/dev/null 2>&1
check "prune removes the one backup no rule keeps" test "$(count)" = 3 -a -f "$state/backups/$id.wbk"
check "its manifest and catalog row go with it" test "$(ls "$state/backups"/*.json | wc -l)" = 3 -a "$(sqlite3 "$live" "SELECT COUNT(*) FROM backups")" = 3

sqlite3 "$live" "DELETE FROM backups"
check "the catalog can be rebuilt from the manifests alone" bk rebuild-catalog --config "$dir/warden.yml"
check "with every backup back in it" test "$(sqlite3 "$live" "SELECT COUNT(*) FROM backups")" = 3
check "list --json shows them oldest first" test "$(bk list --json --config "$dir/warden.yml" | jq -r '.[0].id')" = "$id"

# Disk full: a repository on a 1 MiB tmpfs. A small backup fits; after the database grows, one does not.
small=$dir/small
mkdir -p "$small/state" "$small/repo"
check "a 1 MiB tmpfs is mounted for the repository" mount -t tmpfs -o size=1m tmpfs "$small/repo"
trap 'umount "$small/repo" 2>/dev/null; cleanup' EXIT
printf 'backup: {encryption: none, repository: %s}\n' "$small/repo" >"$small/w.yml"
"$WARDEN" db migrate --state-dir "$small/state" >/dev/null
sb() { "$WARDEN" backup "$@" --state-dir "$small/state" --config "$small/w.yml"; }
check "a small backup fits" sb create
first=$(sb list --json | jq -r '.[0].id')
python3 -c "
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany('INSERT INTO audit_log (at, actor, action, detail) VALUES (?,?,?,?)', [(i, 'x', 'y', os.urandom(600).hex()) for i in range(3000)])
db.commit()" "$small/state/warden.sqlite"
out=$(sb create 2>&1); rc=$?
check "a backup that does not fit fails (exit 1)" test "$rc" = 1
check "with a clear error: no space left on device, naming the file" grep -q "no space left on device" <<<"$out"
check "leaving no partial file" test "$(ls -A "$small/repo" | grep -v -e '^\.tmp$' -e "^$first")" = "" -a -z "$(ls -A "$small/repo/.tmp")"
check "and the older backup intact (it still verifies)" sb verify "$first"

# The supervisor's scheduled job: run on request; its failure is counted in /metrics.
port=$(free_port)
cat >"$small/sup.yml" <<YAML
supervisor: {listen: 127.0.0.1:$port}
backup: {encryption: none, repository: $small/repo, interval: 6h}
YAML
start_supervisor "$small" "$small/sup.yml"
wait_until 30 "the supervisor is ready" supervisor_ready "$small/run"
check "the backup job is listed in ctl status" test "$(status_json "$small/run" | jq -r '.jobs[] | select(.name == "backup") | .state')" = idle
check "ctl run backup starts it now" "$WARDEN" ctl run backup --runtime-dir "$small/run"
failed_run() { [ "$(status_json "$small/run" | jq -r '.jobs[] | select(.name == "backup") | .runs.failure // 0')" = 1 ]; }
wait_until 60 "the scheduled backup fails on the full disk" failed_run
metric() { curl -sf "127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
check "warden_backup_failures_total counts it" test "$(metric warden_backup_failures_total)" = 1
check "warden_job_runs_total shows the failure" test "$(metric 'warden_job_runs_total{job="backup",result="failure"}')" = 1
check "warden_backup_last_success_timestamp_seconds still shows the earlier backup" test -n "$(metric warden_backup_last_success_timestamp_seconds)"
check "the job's error reached the supervisor's log" log_has "$small/log" '.metadata.child == "job:backup" and (.message | test("no space left"))'
sr() { "$WARDEN" backup restore "$first" --target "$small/state/warden.sqlite" --force --state-dir "$small/state" --config "$small/sup.yml" --runtime-dir "$small/run"; }
out=$(sr 2>&1); rc=$?
check "restoring over the live database with --force is refused while the engine runs" test "$rc" = 64 -a -n "$(grep 'engine is running' <<<"$out")"
"$WARDEN" ctl stop engine --runtime-dir "$small/run" >/dev/null
wait_until 30 "the engine is stopped" child_is "$small/run" engine stopped
check "with the engine stopped, --force restores the live database" sr
check "which now holds the backup's data again (the 3,000 rows added since are gone)" test "$(sqlite3 "$small/state/warden.sqlite" "SELECT COUNT(*) FROM audit_log")" = 0
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
umount "$small/repo"

finish
