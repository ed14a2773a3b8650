import Foundation
import GRDB
import Logging
import PostgresNIO
import Storage

/// The `backups` table: a queryable mirror of the manifests. The manifests are the truth; a
/// catalog write that fails is logged and never fails the backup itself.
struct BackupCatalog: Sendable {
    let location: DatabaseLocation
    let logger: Logger

    func record(_ manifest: BackupManifest) async {
        await attempt("record \(manifest.id)") { try await upsert([manifest], replacing: false) }
    }

    func remove(_ id: String) async {
        await attempt("remove \(id)") {
            try await run(sqlite: { db in try db.execute(sql: "DELETE FROM backups WHERE id = ?", arguments: [id]) },
                          postgres: { client in try await client.query("DELETE FROM backups WHERE id = \(id)", logger: logger) })
        }
    }

    func replaceAll(_ manifests: [BackupManifest]) async throws {
        try await upsert(manifests, replacing: true)
    }

    private func upsert(_ manifests: [BackupManifest], replacing: Bool) async throws {
        try await run(
            sqlite: { db in
                if replacing { try db.execute(sql: "DELETE FROM backups") }
                for m in manifests {
                    try db.execute(
                        sql: """
                            INSERT OR REPLACE INTO backups (id, engine, started_at, finished_at, size_bytes, sha256, path, verified_at, restore_tested_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [m.id, m.engine, Self.ms(m.startedAt), Self.ms(m.finishedAt), m.sizeBytes, m.sha256, m.archive, Self.ms(m.verifiedAt), Self.ms(m.restoreTestedAt)])
                }
            },
            postgres: { client in
                try await client.withTransaction(logger: logger) { connection in
                    if replacing { try await connection.query("DELETE FROM backups", logger: logger) }
                    for m in manifests {
                        try await connection.query(
                            """
                            INSERT INTO backups (id, engine, started_at, finished_at, size_bytes, sha256, path, verified_at, restore_tested_at)
                            VALUES (\(m.id), \(m.engine), \(Self.ms(m.startedAt)), \(Self.ms(m.finishedAt)), \(m.sizeBytes), \(m.sha256), \(m.archive), \(Self.ms(m.verifiedAt)), \(Self.ms(m.restoreTestedAt)))
                            ON CONFLICT (id) DO UPDATE SET finished_at = EXCLUDED.finished_at, size_bytes = EXCLUDED.size_bytes,
                                sha256 = EXCLUDED.sha256, verified_at = EXCLUDED.verified_at, restore_tested_at = EXCLUDED.restore_tested_at
                            """, logger: logger)
                    }
                }
            })
    }

    private static func ms(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }

    private func run(
        sqlite: @escaping @Sendable (Database) throws -> Void,
        postgres: @escaping @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        switch location {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try await queue.write(sqlite)
            try queue.close()
        case .postgres(let settings):
            try await settings.withClient(logger: logger, deadline: .seconds(10), postgres)
        }
    }

    private func attempt(_ what: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            logger.warning("backup catalog not updated; the manifest beside the archive still holds it", metadata: [
                "operation": "\(what)", "error": "\(String(reflecting: error))",
            ])
        }
    }
}
