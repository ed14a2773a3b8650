import Foundation
import Logging
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
        await attempt("remove \(id)") { try await run([BoundStatement(Self.delete, [.text(id)])]) }
    }

    func replaceAll(_ manifests: [BackupManifest]) async throws {
        try await upsert(manifests, replacing: true)
    }

    static let delete = SharedSQL("DELETE FROM backups WHERE id = ?")
    static let deleteAll = SharedSQL("DELETE FROM backups")
    static let upsert = SharedSQL("""
        INSERT INTO backups (id, engine, started_at, finished_at, size_bytes, sha256, path, verified_at, restore_tested_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at, size_bytes = excluded.size_bytes,
            sha256 = excluded.sha256, verified_at = excluded.verified_at, restore_tested_at = excluded.restore_tested_at
        """)

    private func upsert(_ manifests: [BackupManifest], replacing: Bool) async throws {
        var statements = replacing ? [BoundStatement(Self.deleteAll)] : []
        for m in manifests {
            statements.append(BoundStatement(Self.upsert, [
                .text(m.id), .text(m.engine), .integer(Self.ms(m.startedAt)), .integer(Self.ms(m.finishedAt)), .integer(m.sizeBytes),
                .text(m.sha256), .text(m.archive), .integer(Self.ms(m.verifiedAt)), .integer(Self.ms(m.restoreTestedAt)),
            ]))
        }
        try await run(statements)
    }

    private static func ms(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }

    /// One transaction on a handle of its own: backups run in one-shot commands, outside any long-lived process.
    private func run(_ statements: [BoundStatement]) async throws {
        let logger = logger
        try await DatabaseHandle.with(location, logger: logger) { handle in try await handle.execute(statements, logger: logger) }
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
