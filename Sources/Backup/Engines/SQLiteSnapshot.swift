import Foundation
import GRDB
import Storage

/// A consistent copy of a live SQLite database through SQLite's online backup API (pages copied
/// under a read transaction; never a file copy of a WAL database), and the checks run on copies.
enum SQLiteSnapshot {
    static func copy(live: String, to path: String) throws {
        guard FileManager.default.fileExists(atPath: live) else {
            throw BackupError.notFound(live, "no database yet; run `warden db migrate` first")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: live, configuration: configuration)
            let destination = try DatabaseQueue(path: path)
            try source.backup(to: destination)
            try destination.close()
            try source.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw BackupError.io(path, "cannot write the snapshot", ENOSPC)
        } catch {
            throw BackupError.failed(live, "online backup failed: \(error)")
        }
    }

    struct Facts {
        var schemaVersion: Int
        var tables: [String: Int]
    }

    /// `PRAGMA integrity_check` (every page, index and constraint), then the schema version and row counts.
    static func check(_ path: String) throws -> Facts { try inspect(path, integrity: true) }

    /// The schema version and row counts, without the full integrity check.
    static func facts(_ path: String) throws -> Facts { try inspect(path, integrity: false) }

    private static func inspect(_ path: String, integrity: Bool) throws -> Facts {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                do {
                    let problems = integrity ? try String.fetchAll(db, sql: "PRAGMA integrity_check") : ["ok"]
                    guard problems == ["ok"] else {
                        throw BackupError.corrupt(path, "integrity_check: \(problems.prefix(5).joined(separator: "; "))")
                    }
                    let version = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0
                    var tables: [String: Int] = [:]
                    for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                        tables[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
                    }
                    return Facts(schemaVersion: version, tables: tables)
                } catch let error as BackupError {
                    throw error
                } catch {
                    throw BackupError.corrupt(path, "not a readable Warden database: \(error)")
                }
            }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError.corrupt(path, "not a readable SQLite database: \(error)")
        }
    }
}
