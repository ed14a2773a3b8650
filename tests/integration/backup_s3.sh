#!/usr/bin/env bash
# Off-site copies to S3-compatible storage: moto in server mode on loopback, checking every
# request's Signature V4 against an IAM user's key; single PUT and multipart uploads.
source "$(dirname "$0")/lib.sh"
echo "off-site backup copies to S3 (moto server)"

dir=$(scratch)
port=$(free_port)
check "moto is installed" "$PY" -c "import moto.server, boto3"
# The first 4 requests (the setup's IAM calls and bucket) go unauthenticated; every later one must be signed.
INITIAL_NO_AUTH_ACTION_COUNT=4 "$PY" -m moto.server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
CLEANUP_PIDS+=($!)
endpoint=http://127.0.0.1:$port
wait_until 30 "moto answers on $endpoint" curl -sf -o /dev/null "$endpoint/moto-api/"
check "an IAM user, its key and the bucket are set up" "$PY" "$ROOT/tests/fixtures/s3_setup.py" setup "$endpoint" "$dir"

state=$dir/state
cat >"$dir/warden.yml" <<YAML
backup:
  encryption: none
  compression_level: 0
  s3:
    endpoint: $endpoint
    bucket: warden-backups
    prefix: host-1/
    access_key_id: \${file:$dir/s3.id}
    secret_access_key: \${file:$dir/s3.secret}
    part_size: 5MiB
YAML
bk() { "$WARDEN" backup "$@" --state-dir "$state"; }
"$WARDEN" db migrate --state-dir "$state" >/dev/null

out=$(bk create --json --config "$dir/warden.yml" 2>"$dir/small.log"); rc=$?
check "a small backup is created and copied off-site" test "$rc" = 0
small=$(jq -r .id <<<"$out")
check "the manifest records where the copy is" test "$(jq -r .offsite <<<"$out")" = "s3://warden-backups/host-1/$small.wbk"
read -r size sum etag <<<"$("$PY" "$ROOT/tests/fixtures/s3_setup.py" head "$endpoint" "$dir" "host-1/$small.wbk")"
check "the object has the archive's size and SHA-256" test "$size $sum" = "$(stat -c %s "$state/backups/$small.wbk") $(jq -r .sha256 <<<"$out")"
check "it went up in one PUT (a plain ETag)" test -n "$etag" -a -z "$(grep -- - <<<"$etag")"
check "the manifest went up beside it" "$PY" "$ROOT/tests/fixtures/s3_setup.py" head "$endpoint" "$dir" "host-1/$small.json"

# 12 MiB of incompressible rows: an archive over two 5 MiB parts.
"$PY" -c "
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany('INSERT INTO audit_log (at, actor, action, detail) VALUES (?,?,?,?)', [(i, 'x', 'y', os.urandom(4000).hex()) for i in range(1500)])
db.commit()" "$state/warden.sqlite"
out=$(bk create --json --config "$dir/warden.yml" 2>"$dir/large.log"); rc=$?
check "a large backup is created and copied off-site" test "$rc" = 0
large=$(jq -r .id <<<"$out")
read -r size sum etag <<<"$("$PY" "$ROOT/tests/fixtures/s3_setup.py" head "$endpoint" "$dir" "host-1/$large.wbk")"
check "the object has the archive's size and SHA-256" test "$size $sum" = "$(stat -c %s "$state/backups/$large.wbk") $(jq -r .sha256 <<<"$out")"
check "it went up as a multipart upload of $(( ($size + 5242879) / 5242880 )) parts" test "${etag##*-}" = "$(( (size + 5242879) / 5242880 ))"
check "no multipart upload is left pending" grep -q "pending-multipart-uploads 0" <<<"$("$PY" "$ROOT/tests/fixtures/s3_setup.py" list "$endpoint" "$dir")"

# A wrong secret: moto rejects the signature; the local backup stays and the failure is clear.
openssl rand -hex 20 >"$dir/bad.secret"
sed "s|s3.secret|bad.secret|" "$dir/warden.yml" >"$dir/bad.yml"
out=$(bk create --config "$dir/bad.yml" 2>&1); rc=$?; echo "$out" >"$dir/bad.out"
check "with a wrong secret key the command fails (exit 1)" test "$rc" = 1
check "saying the backup is local but the off-site copy was refused" grep -q "was written locally, but its off-site copy failed: S3 refused [A-Z]* (403 SignatureDoesNotMatch" "$dir/bad.out"
check "the local backup is kept, without an off-site location" test "$(bk list --json --config "$dir/warden.yml" | jq -r '.[-1].offsite')" = null

# Prune deletes the off-site copies of what it removes.
sed -i "s/^backup:$/backup:\n  retention: {keep_last: 1}/" "$dir/warden.yml"
bk prune --config "$dir/warden.yml" >/dev/null 2>&1
objects=$("$PY" "$ROOT/tests/fixtures/s3_setup.py" list "$endpoint" "$dir")
check "prune removed the small backup's off-site objects" test -z "$(grep "$small" <<<"$objects")"

finish
