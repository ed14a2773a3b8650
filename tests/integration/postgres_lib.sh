# A real PostgreSQL 15 for one suite: initdb in a scratch directory, loopback only, stopped at exit.
# start_postgres DIR: sets PG (binaries), PG_PORT, PG_DIR; psql_at DB SQL runs one statement.
PG=/usr/lib/postgresql/15/bin
as_postgres() { runuser -u postgres -- "$@"; }
start_postgres() {
  PG_DIR=$1
  PG_PORT=$(free_port)
  mkdir -p "$PG_DIR/pg" "$PG_DIR/sock"
  chown -R postgres:postgres "$PG_DIR/pg" "$PG_DIR/sock"
  chmod 755 "$PG_DIR"
  as_postgres "$PG/initdb" -D "$PG_DIR/pg/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1
  check "initdb" test -f "$PG_DIR/pg/data/PG_VERSION"
  trap 'stop_postgres; cleanup' EXIT
  resume_postgres
  check "PostgreSQL answers on 127.0.0.1:$PG_PORT" "$PG/pg_isready" -h 127.0.0.1 -p "$PG_PORT"
}
resume_postgres() {
  as_postgres "$PG/pg_ctl" -D "$PG_DIR/pg/data" -w -l "$PG_DIR/pg/server.log" \
    -o "-p $PG_PORT -k $PG_DIR/sock -c listen_addresses=127.0.0.1" start >/dev/null
}
stop_postgres() { as_postgres "$PG/pg_ctl" -D "$PG_DIR/pg/data" -m fast -w stop >/dev/null 2>&1; }
psql_at() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -At -c "$2"; }
