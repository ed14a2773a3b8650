import Foundation
import Storage

extension BackupManager {
    public struct RestoreReport: Sendable, Encodable {
        public var id: String
        public var target: String
        public var tables: [String: Int]
    }

    /// Restores backup `id` into `target`: a file path (SQLite) or a postgres:// URL. The live
    /// database is only overwritten with `force` and when `engineStopped` says nothing writes to it.
    public func restore(_ id: String, target: String, force: Bool, engineStopped: Bool) async throws -> RestoreReport {
        try await locked("restore") {
            let manifest = try repository.manifest(id)
            let targetLocation: DatabaseLocation
            do {
                targetLocation = target.contains("://") ? try DatabaseLocation.parse(target) : .sqlite(path: absolute(target))
            } catch {
                throw BackupError.refused(target, "not a restore target: \(error)")
            }
            guard targetLocation.engine == manifest.engine else {
                throw BackupError.refused(
                    target, "backup \(manifest.id) is a \(manifest.engine) backup; restore it into a \(manifest.engine == "sqlite" ? "file path" : "postgres:// URL")")
            }
            let live = isLive(targetLocation)
            if live && !(force && engineStopped) {
                throw BackupError.refused(
                    target,
                    force
                        ? "this is the live database and the engine is running: stop it first (`warden ctl stop engine`)"
                        : "this is the live database: restoring over it needs --force, with the engine stopped")
            }
            switch targetLocation {
            case .sqlite(let path):
                return try restoreSQLite(manifest, into: path, force: force)
            case .postgres(var settings):
                if settings.password == nil, case .postgres(let current) = location, current.host == settings.host,
                   current.port == settings.port, current.username == settings.username {
                    settings.password = current.password
                }
                return try await restorePostgres(manifest, into: settings, live: live, force: force)
            }
        }
    }

    private func restoreSQLite(_ manifest: BackupManifest, into path: String, force: Bool) throws -> RestoreReport {
        if FileManager.default.fileExists(atPath: path), !force {
            throw BackupError.refused(path, "the target exists; choose a new path, or pass --force to replace it")
        }
        let staged = path + ".restoring"
        defer { removeSQLiteFiles(staged) }
        try unseal(manifest, to: staged)
        let facts = try SQLiteSnapshot.check(staged)
        // A WAL left by the previous database must not be replayed onto the restored one.
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        guard rename(staged, path) == 0 else { throw BackupError.io(path, "cannot move the restored database into place", errno) }
        syncDirectory(of: path)
        logger.info("backup restored", metadata: ["id": "\(manifest.id)", "target": "\(path)"])
        return RestoreReport(id: manifest.id, target: path, tables: facts.tables)
    }

    private func restorePostgres(
        _ manifest: BackupManifest, into settings: DatabaseLocation.Postgres, live: Bool, force: Bool
    ) async throws -> RestoreReport {
        let target = DatabaseLocation.postgres(settings).description
        let server = PostgresScratch(settings: settings, logger: logger)
        var clean = false
        if try await server.databaseExists(settings.database) {
            if try await server.tableCount() > 0 {
                guard force else {
                    throw BackupError.refused(target, "the target database already has tables; pass --force to replace its contents")
                }
                clean = true
            }
        } else {
            try await server.createDatabase(settings.database)
        }
        let dump = "\(repository.temporaryDirectory)/\(manifest.id).restore"
        let script = dump + ".sql"
        defer {
            unlink(dump)
            unlink(script)
        }
        try unseal(manifest, to: dump)
        let tools = PostgresTools(settings: settings)
        let result = clean || live
            ? try tools.replace(file: dump, script: script, database: settings.database)
            : try tools.restore(file: dump, database: settings.database)
        guard result.status == 0 else {
            throw BackupError.failed(target, "pg_restore failed (status \(result.status)): \(result.stderr)")
        }
        let counts = try await server.rowCounts()
        logger.info("backup restored", metadata: ["id": "\(manifest.id)", "target": "\(target)"])
        return RestoreReport(id: manifest.id, target: target, tables: counts)
    }

    private func isLive(_ target: DatabaseLocation) -> Bool {
        switch (target, location) {
        case (.sqlite(let a), .sqlite(let b)):
            return (a as NSString).resolvingSymlinksInPath == (b as NSString).resolvingSymlinksInPath
        case (.postgres(let a), .postgres(let b)):
            return a.host == b.host && a.port == b.port && a.database == b.database
        default:
            return false
        }
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
