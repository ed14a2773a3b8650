import Foundation
import Storage

extension BackupManager {
    /// Checksum, then every frame decrypted and decompressed into a scratch copy that is opened
    /// for real: SQLite's integrity_check, or a pg_restore into a scratch database, plus the schema
    /// version and row counts compared with the manifest. Records the result in manifest and catalog.
    public func verify(_ id: String) async throws -> BackupManifest {
        try await locked("verify") {
            var manifest = try repository.manifest(id)
            let dump = "\(repository.temporaryDirectory)/\(manifest.id).verify"
            defer { removeSQLiteFiles(dump) }
            try unseal(manifest, to: dump)
            var counts: [String: Int]
            switch manifest.engine {
            case "sqlite":
                let facts = try SQLiteSnapshot.check(dump)
                try expect(facts.schemaVersion, manifest.schemaVersion, "schema version", manifest)
                counts = facts.tables
            default:
                counts = try await restoreTest(manifest, dump: dump)
            }
            if !manifest.tables.isEmpty, manifest.tables != counts {
                let differing = counts.keys.filter { counts[$0] != manifest.tables[$0] }.sorted()
                throw BackupError.corrupt(repository.archivePath(manifest.id), "row counts differ from the manifest in: \(differing.joined(separator: ", "))")
            }
            manifest.tables = counts
            manifest.verifiedAt = Date()
            manifest.restoreTestedAt = manifest.verifiedAt
            try repository.save(manifest)
            await BackupCatalog(location: location, logger: logger).record(manifest)
            logger.info("backup verified", metadata: ["id": "\(manifest.id)", "tables": "\(counts.count)", "rows": "\(counts.values.reduce(0, +))"])
            return manifest
        }
    }

    /// Checks the archive against its manifest, then writes the dump it holds to `path`
    /// (fsynced); a failure leaves nothing at `path`.
    func unseal(_ manifest: BackupManifest, to path: String) throws {
        let archive = repository.archivePath(manifest.id)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: archive) else {
            throw BackupError.corrupt(archive, "the archive is missing")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        guard size == manifest.sizeBytes else {
            throw BackupError.corrupt(archive, "size is \(size) bytes, the manifest says \(manifest.sizeBytes) (truncated or replaced)")
        }
        let digest = try sha256(ofFile: archive)
        guard digest == manifest.sha256 else {
            throw BackupError.corrupt(archive, "SHA-256 is \(digest), the manifest says \(manifest.sha256)")
        }
        unlink(path)
        let sink = try FileSink(temporaryPath: path + ".partial", finalPath: path)
        do {
            try ArchiveReader(path: archive, key: key).read { try sink.write($0) }
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
    }

    /// Restores a PostgreSQL dump into a scratch database on the same server and counts its rows.
    private func restoreTest(_ manifest: BackupManifest, dump: String) async throws -> [String: Int] {
        guard case .postgres(let settings) = location else {
            throw BackupError.refused(manifest.id, "a PostgreSQL backup is verified with database.url pointing at a PostgreSQL server")
        }
        let scratch = "warden_verify_" + manifest.id.lowercased().filter { $0.isLetter || $0.isNumber }
        let server = PostgresScratch(settings: settings, logger: logger)
        try await server.dropDatabase(scratch)
        try await server.createDatabase(scratch)
        do {
            let result = try PostgresTools(settings: settings).restore(file: dump, database: scratch)
            guard result.status == 0 else {
                throw BackupError.corrupt(repository.archivePath(manifest.id), "pg_restore into a scratch database failed: \(result.stderr)")
            }
            let restored = server.on(scratch)
            try expect(try await restored.schemaVersion(), manifest.schemaVersion, "schema version", manifest)
            let counts = try await restored.rowCounts()
            let missing = Schema.tables.filter { counts[$0] == nil }
            guard missing.isEmpty else {
                throw BackupError.corrupt(repository.archivePath(manifest.id), "restored database lacks tables: \(missing.joined(separator: ", "))")
            }
            try await server.dropDatabase(scratch)
            return counts
        } catch {
            try? await server.dropDatabase(scratch)
            throw error
        }
    }

    private func expect(_ found: Int, _ expected: Int, _ what: String, _ manifest: BackupManifest) throws {
        guard found == expected else {
            throw BackupError.corrupt(repository.archivePath(manifest.id), "\(what) is \(found) after restore, the manifest says \(expected)")
        }
    }
}
