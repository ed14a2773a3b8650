import Crypto
import Foundation
import Logging
import Resilience
import Storage
import WardenCore

/// Creates, verifies, restores and prunes backups of the configured database in one repository.
/// Every operation holds the repository lock, so a scheduled backup and an operator's command
/// never interleave.
public struct BackupManager: Sendable {
    public let settings: BackupSettings
    public let location: DatabaseLocation
    public let repository: BackupRepository
    public let wardenVersion: String
    public let logger: Logger
    /// Waits between attempts when PostgreSQL cannot be reached.
    public var retryBackoff = ExponentialBackoff(initial: .seconds(2), max: .seconds(30))

    public init(settings: BackupSettings, location: DatabaseLocation, stateDirectory: String, wardenVersion: String, logger: Logger) {
        self.settings = settings
        self.location = location
        repository = BackupRepository(settings: settings, stateDirectory: stateDirectory)
        self.wardenVersion = wardenVersion
        self.logger = logger
    }

    var key: SymmetricKey? {
        settings.encryptionKey.flatMap { BackupKeyText.decode($0.value) }.map { SymmetricKey(data: $0) }
    }

    /// The key new archives are sealed with; refuses to write plaintext unless told to.
    func sealingKey() throws -> SymmetricKey? {
        switch settings.encryption {
        case .none:
            return nil
        case .aes256gcm:
            guard let key else {
                throw BackupError.refused(
                    "backup.encryption_key",
                    "no encryption key: set backup.encryption_key to a secret reference holding 32 bytes (`openssl rand -hex 32`), or set backup.encryption: none to store backups unencrypted")
            }
            return key
        }
    }

    /// Runs `body` holding the repository lock.
    func locked<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        try repository.prepare()
        let lock = try BackupLock.acquire(path: repository.lockPath, operation: operation)
        defer { lock.release() }
        if let stale = lock.takenOverFrom {
            logger.warning("took over a stale backup lock", metadata: [
                "pid": "\(stale.pid)", "operation": "\(stale.operation)", "since": "\(stale.since)",
            ])
        }
        let leftovers = repository.removeLeftovers()
        if !leftovers.isEmpty {
            logger.warning("removed leftovers of an interrupted backup operation", metadata: ["files": "\(leftovers.joined(separator: ","))"])
        }
        return try await body()
    }

    // MARK: Create

    public func create() async throws -> BackupManifest {
        let key = try sealingKey()
        return try await locked("create") {
            let startedAt = Date()
            let id = BackupRepository.newID(at: startedAt)
            var attempt = 1
            while true {
                do {
                    var manifest = try await createOnce(id: id, startedAt: startedAt, key: key)
                    let offsiteError = await copyOffsite(&manifest)
                    await BackupCatalog(location: location, logger: logger).record(manifest)
                    if let offsiteError {
                        throw BackupError.failed(
                            offsiteError.location ?? "backup.s3",
                            "backup \(manifest.id) was written locally, but its off-site copy failed: \(offsiteError.message)")
                    }
                    logger.info("backup created", metadata: [
                        "id": "\(manifest.id)", "bytes": "\(manifest.sizeBytes)", "dump_bytes": "\(manifest.dumpBytes)",
                        "seconds": "\(String(format: "%.3f", manifest.durationSeconds))",
                    ])
                    return manifest
                } catch let error as DatabaseUnreachable where attempt < settings.attempts {
                    let delay = retryBackoff.delay(forRetry: attempt)
                    logger.warning("database unreachable; retrying the backup", metadata: [
                        "attempt": "\(attempt)", "of": "\(settings.attempts)", "retry_in": "\(DurationText.format(delay))",
                        "error": "\(error.detail)",
                    ])
                    try await Task.sleep(for: delay)
                    attempt += 1
                } catch let error as DatabaseUnreachable {
                    throw BackupError.failed(
                        "\(location)", "the database could not be reached after \(attempt) attempt(s): \(error.detail)")
                }
            }
        }
    }

    private func createOnce(id: String, startedAt: Date, key: SymmetricKey?) async throws -> BackupManifest {
        let sink = try FileSink(
            temporaryPath: "\(repository.temporaryDirectory)/\(id).wbk.partial", finalPath: repository.archivePath(id))
        do {
            var facts: SQLiteSnapshot.Facts
            let writer: ArchiveWriter
            switch location {
            case .sqlite(let path):
                writer = try ArchiveWriter(sink: sink, key: key, compressionLevel: settings.compressionLevel)
                let snapshot = "\(repository.temporaryDirectory)/\(id).sqlite"
                defer { removeSQLiteFiles(snapshot) }
                try SQLiteSnapshot.copy(live: path, to: snapshot)
                facts = try SQLiteSnapshot.facts(snapshot)
                let source = try FileSource(path: snapshot)
                while true {
                    let chunk = try source.read(exactly: 1 << 20)
                    if chunk.isEmpty { break }
                    try chunk.withUnsafeBytes { try writer.write($0) }
                }
            case .postgres(let settings):
                // pg_dump's custom format is already compressed; compressing it again costs time for nothing.
                writer = try ArchiveWriter(sink: sink, key: key, compressionLevel: 0)
                let result = try PostgresTools(settings: settings).dump { try writer.write($0) }
                guard result.status == 0 else {
                    if result.isTransient { throw DatabaseUnreachable(detail: result.stderr) }
                    throw BackupError.failed("\(location)", "pg_dump failed (status \(result.status)): \(result.stderr)")
                }
                facts = .init(schemaVersion: try await PostgresScratch(settings: settings, logger: logger).schemaVersion(), tables: [:])
            }
            let dumpBytes = writer.bytesIn
            let (sha256, size) = try writer.finish()
            try sink.commit()
            let manifest = BackupManifest(
                id: id, engine: location.engine, source: "\(location)", archive: "\(id).wbk", startedAt: startedAt,
                finishedAt: Date(), sizeBytes: size, dumpBytes: dumpBytes, sha256: sha256,
                encryption: key == nil ? "none" : "aes-256-gcm",
                compression: location.engine == "sqlite" && settings.compressionLevel > 0 ? "deflate-\(settings.compressionLevel)" : (location.engine == "postgres" ? "pg_dump" : "none"),
                schemaVersion: facts.schemaVersion, wardenVersion: wardenVersion, tables: facts.tables)
            do {
                try repository.save(manifest)
            } catch {
                // An archive without its manifest is not a backup anyone can use: take it away too.
                unlink(repository.archivePath(id))
                throw error
            }
            return manifest
        } catch {
            sink.discard()
            throw error
        }
    }

    /// Uploads the archive, then its manifest, when `backup.s3` is set; the manifest records where.
    private func copyOffsite(_ manifest: inout BackupManifest) async -> WardenError? {
        guard let s3 = settings.s3 else { return nil }
        let client = S3Client(settings: s3)
        let started = ContinuousClock.now
        do {
            manifest.offsite = try await client.upload(file: repository.archivePath(manifest.id), as: manifest.archive)
            try repository.save(manifest)
            _ = try await client.upload(file: repository.manifestPath(manifest.id), as: "\(manifest.id).json")
            logger.info("backup copied off-site", metadata: [
                "id": "\(manifest.id)", "to": "\(manifest.offsite ?? "")",
                "seconds": "\(String(format: "%.3f", (ContinuousClock.now - started).seconds))",
            ])
            return nil
        } catch {
            manifest.offsite = nil
            try? repository.save(manifest)
            logger.error("off-site copy failed", metadata: ["id": "\(manifest.id)", "error": "\(error)"])
            return (error as? BackupError)?.warden ?? WardenError(.runtime, "\(error)", location: client.url(manifest.archive))
        }
    }

    // MARK: List and prune

    public func list() -> (manifests: [BackupManifest], problems: [String]) {
        repository.manifests()
    }

    /// Applies the retention policy; with `dryRun`, only says what would go.
    public func prune(dryRun: Bool) async throws -> RetentionPlan {
        let body = { () async throws -> RetentionPlan in
            let plan = RetentionPlan(backups: repository.manifests().manifests, policy: settings.retention)
            guard !dryRun else { return plan }
            let catalog = BackupCatalog(location: location, logger: logger)
            let manifests = repository.manifests().manifests
            for entry in plan.removals {
                if let s3 = settings.s3, let manifest = manifests.first(where: { $0.id == entry.id }), manifest.offsite != nil {
                    let client = S3Client(settings: s3)
                    do {
                        try await client.delete(manifest.archive)
                        try await client.delete("\(manifest.id).json")
                    } catch {
                        logger.warning("off-site copy not deleted", metadata: ["id": "\(entry.id)", "error": "\(error)"])
                    }
                }
                try repository.delete(entry.id)
                await catalog.remove(entry.id)
                logger.info("backup pruned", metadata: ["id": "\(entry.id)"])
            }
            return plan
        }
        return dryRun ? try await body() : try await locked("prune", body)
    }

    /// Writes every manifest's row into the catalog table (after a restore, or a lost database).
    public func rebuildCatalog() async throws -> Int {
        let manifests = repository.manifests().manifests
        try await BackupCatalog(location: location, logger: logger).replaceAll(manifests)
        return manifests.count
    }
}

/// PostgreSQL refused or did not answer: worth another attempt.
struct DatabaseUnreachable: Error {
    var detail: String
}
