#!/usr/bin/env python3
"""Backup benchmarks (prints figures, asserts nothing).

1. SQLite: a database of candle-like rows (BENCH_SQLITE_MB, default 1024 MiB); `warden backup
   create`, `verify` and `restore` timed, throughput in MB/s of database, and the compression ratio,
   encrypted (AES-256-GCM, zlib level 3) and with encryption: none.
2. PostgreSQL 15 (initdb in a temp dir): `pg_dump -Fc` to a file alone against Warden's whole
   backup (pg_dump, framing, AES-256-GCM, SHA-256, fsync, manifest, catalog) of the same database,
   median of 5 runs each, interleaved; Warden's overhead in percent.
"""
import os, random, sqlite3, statistics, subprocess, sys, tempfile, time, json, shutil, socket

WARDEN = os.path.abspath(sys.argv[1])
SQLITE_MB = int(os.environ.get("BENCH_SQLITE_MB", "1024"))
PG_ROWS = int(os.environ.get("BENCH_PG_ROWS", "3000000"))
RUNS = int(os.environ.get("BENCH_PG_RUNS", "5"))
PG = "/usr/lib/postgresql/15/bin"


def run(*args, env=None):
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return elapsed, result.stdout


def fill_sqlite(path, megabytes):
    run(WARDEN, "db", "migrate", "--state-dir", os.path.dirname(path))
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    rng = random.Random(42)
    price, t, batch = 30000.0, 1_500_000_000_000, []
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"]
    while os.path.getsize(path) < megabytes << 20:
        for _ in range(200_000):
            price *= 1 + rng.gauss(0, 0.001)
            close = price * (1 + rng.gauss(0, 0.0005))
            batch.append((symbols[t // 60000 % 4], "1m", t, round(price, 2), round(max(price, close) * 1.0004, 2),
                          round(min(price, close) * 0.9996, 2), round(close, 2), round(rng.expovariate(1 / 20), 6)))
            t += 60000
        db.executemany("INSERT INTO candles VALUES (?,?,?,?,?,?,?,?)", batch)
        db.commit()
        batch.clear()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def sqlite_bench(root):
    state = os.path.join(root, "state")
    os.makedirs(state)
    database = os.path.join(state, "warden.sqlite")
    started = time.perf_counter()
    fill_sqlite(database, SQLITE_MB)
    size = os.path.getsize(database)
    print(f"SQLite database: {size / 2**20:.0f} MiB of candle rows (generated in {time.perf_counter() - started:.0f} s)")
    key = os.path.join(root, "key")
    with open(key, "w") as f:
        f.write(os.urandom(32).hex())
    configs = {
        "encrypted": f"backup: {{encryption_key: '${{file:{key}}}'}}\n",
        "encryption: none": "backup: {encryption: none}\n",
    }
    for label, text in configs.items():
        config = os.path.join(root, label.replace(" ", "").replace(":", "") + ".yml")
        with open(config, "w") as f:
            f.write(text)
        common = ["--state-dir", state, "--config", config]
        subprocess.run(["sync"])
        create, out = run(WARDEN, "backup", "create", "--json", *common)
        manifest = json.loads(out)
        verify, _ = run(WARDEN, "backup", "verify", manifest["id"], *common)
        target = os.path.join(root, "restored.sqlite")
        restore, _ = run(WARDEN, "backup", "restore", manifest["id"], "--target", target, *common)
        os.remove(target)
        mb = size / 1e6
        print(f"  {label:17} backup {create:6.1f} s = {mb / create:6.1f} MB/s · verify {verify:6.1f} s = {mb / verify:6.1f} MB/s"
              f" · restore {restore:6.1f} s = {mb / restore:6.1f} MB/s · archive {manifest['size_bytes'] / 2**20:.0f} MiB,"
              f" ratio {size / manifest['size_bytes']:.2f}")
        os.remove(os.path.join(state, "backups", manifest["id"] + ".wbk"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def pg_bench(root):
    data, sock, port = os.path.join(root, "pg"), os.path.join(root, "sock"), free_port()
    os.makedirs(sock)
    shutil.chown(root, "postgres", "postgres")
    shutil.chown(sock, "postgres", "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"]
    run(*as_pg, f"{PG}/initdb", "-D", data, "-A", "trust", "-U", "postgres")
    run(*as_pg, f"{PG}/pg_ctl", "-D", data, "-w", "-l", os.path.join(root, "pg.log"), "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start")
    try:
        psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-At", "-c"]
        run(*psql, "CREATE DATABASE warden")
        env = dict(os.environ, WARDEN_TEST_DB_URL=f"postgres://postgres@127.0.0.1:{port}/warden?sslmode=disable")
        state = os.path.join(root, "pgstate")
        config = os.path.join(root, "pg.yml")
        with open(os.path.join(root, "pg.key"), "w") as f:
            f.write(os.urandom(32).hex())
        with open(config, "w") as f:
            f.write("database: {url: '${env:WARDEN_TEST_DB_URL}'}\n"
                    f"backup: {{encryption_key: '${{file:{root}/pg.key}}'}}\n")
        run(WARDEN, "db", "migrate", "--config", config, "--state-dir", state, env=env)
        run(*psql, f"""INSERT INTO candles SELECT 'BTCUSDT', '1m', 1500000000000 + g::bigint * 60000,
            30000 + sin(g / 100.0) * 500, 30100 + sin(g / 100.0) * 500, 29900, 30000 + cos(g / 77.0) * 400, random() * 50
            FROM generate_series(1, {PG_ROWS}) g""".replace("\n", " "), "-d", "warden")
        run(*psql, "VACUUM ANALYZE", "-d", "warden")
        _, size = run(*psql, "SELECT pg_database_size('warden')", "-d", "warden")
        print(f"PostgreSQL database: {int(size) / 2**20:.0f} MiB ({PG_ROWS} candle rows)")
        dump_times, warden_times = [], []
        dump_file = os.path.join(root, "plain.dump")
        for _ in range(RUNS):
            seconds, _ = run(f"{PG}/pg_dump", "--format=custom", f"--file={dump_file}",
                             f"--dbname=postgresql://postgres@127.0.0.1:{port}/warden")
            dump_times.append(seconds)
            seconds, out = run(WARDEN, "backup", "create", "--json", "--config", config, "--state-dir", state, env=env)
            warden_times.append(seconds)
            archive = json.loads(out)
            os.remove(os.path.join(state, "backups", archive["id"] + ".wbk"))
        dump, whole = statistics.median(dump_times), statistics.median(warden_times)
        print(f"  pg_dump -Fc alone: median {dump:.2f} s (dump {os.path.getsize(dump_file) / 2**20:.0f} MiB)")
        print(f"  warden backup create: median {whole:.2f} s → overhead {100 * (whole / dump - 1):+.1f}% (goal < 15%)")
        print(f"  (runs: pg_dump {', '.join(f'{t:.2f}' for t in dump_times)}; warden {', '.join(f'{t:.2f}' for t in warden_times)})")
    finally:
        subprocess.run([*as_pg, f"{PG}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], capture_output=True)


def main():
    root = tempfile.mkdtemp(prefix="warden-backup-bench-")
    os.chmod(root, 0o755)  # the postgres user must reach its data directory inside
    try:
        sqlite_bench(os.path.join(root, "sqlite"))
        pg_root = os.path.join(root, "pg")
        os.makedirs(pg_root)
        pg_bench(pg_root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
