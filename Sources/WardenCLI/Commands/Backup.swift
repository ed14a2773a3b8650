import ArgumentParser
import Backup
import ControlPlane
import Foundation
import Logging
import Storage
import WardenCore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Backups of the database: compressed, encrypted (AES-256-GCM), checksummed, verified by restoring.",
        discussion: "Files live in backup.repository (default STATE_DIR/backups): <id>.wbk archives with <id>.json manifests.",
        subcommands: [Create.self, List.self, Verify.self, Restore.self, Prune.self, RebuildCatalog.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a backup now (SQLite: online backup API; PostgreSQL: pg_dump -Fc).",
            discussion: "With --verify, the new backup is also restored into scratch and checked.")
        @Flag(help: "Verify the new backup at once.") var verify = false
        @Flag(help: "Apply the retention policy afterwards.") var prune = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            var manifest = try await guarded { try await manager.create() }
            if verify { manifest = try await guarded { try await manager.verify(manifest.id) } }
            if prune { _ = try await guarded { try await manager.prune(dryRun: false) } }
            if json { try printJSON(manifest) } else { print(BackupTable.line(manifest)) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backups in the repository, oldest first.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            let (manifests, problems) = manager.list()
            for problem in problems { printError("warden: \(problem)") }
            if json {
                try printJSON(manifests)
            } else if manifests.isEmpty {
                print("no backups in \(manager.repository.directory)")
            } else {
                print(BackupTable.render(manifests))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a backup end to end; exit 1 and name the damage if it fails.",
            discussion: """
                SHA-256 against the manifest, every frame authenticated and decompressed, then a real restore: \
                SQLite PRAGMA integrity_check on a scratch copy; PostgreSQL pg_restore into a scratch database. \
                Schema version and row counts are compared with the manifest.
                """)
        @Argument(help: "Backup id (or a unique prefix).") var id: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            let manifest = try await guarded { try await manager.verify(id) }
            if json { try printJSON(manifest) } else { print("\(manifest.id): verified (\(manifest.tables.values.reduce(0, +)) rows in \(manifest.tables.count) tables)") }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into a new file (SQLite) or database (postgres:// URL).",
            discussion: "The live database is only replaced with --force and while the engine is stopped.")
        @Argument(help: "Backup id (or a unique prefix).") var id: String
        @Option(help: ArgumentHelp("A new file path, or a postgres:// URL.", valueName: "path|url")) var target: String
        @Flag(help: "Replace an existing target (the live database only while the engine is stopped).") var force = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            let stopped = await engineStopped(options)
            let report = try await guarded { try await manager.restore(id, target: target, force: force, engineStopped: stopped) }
            if json { try printJSON(report) } else { print("\(report.id) restored into \(report.target) (\(report.tables.values.reduce(0, +)) rows)") }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete backups the retention policy (backup.retention, restic's keep_* rules) does not keep.",
            discussion: "The newest verified backup is always kept.")
        @Flag(name: .customLong("dry-run"), help: "Show what would be deleted; delete nothing.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            let plan = try await guarded { try await manager.prune(dryRun: dryRun) }
            if json { try printJSON(plan.entries); return }
            for entry in plan.entries {
                let verb = entry.keep ? "keep  " : (dryRun ? "would remove" : "removed")
                print("\(verb) \(entry.id)\(entry.reasons.isEmpty ? "" : "  (\(entry.reasons.joined(separator: ", ")))")")
            }
        }
    }

    struct RebuildCatalog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild-catalog", abstract: "Rewrite the database's backups table from the manifests in the repository.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let manager = try backupManager(options)
            let count = try await guarded { try await manager.rebuildCatalog() }
            print("catalog rebuilt from \(count) manifest(s)")
        }
    }
}

private func backupManager(_ options: CommonOptions) throws -> BackupManager {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    let logger = (try? LogBootstrap.start(configuration, label: "warden.database")) ?? Logger(label: "warden.database")
    do {
        let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
        return BackupManager(
            settings: configuration.backup, location: location, stateDirectory: directories.state,
            wardenVersion: Warden.version, logger: logger)
    } catch {
        throw fail(error)
    }
}

/// Runs a backup operation; its errors print as one line naming what and where, with their exit status.
private func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as BackupError {
        throw fail(error.warden)
    } catch let error as WardenError {
        throw fail(error)
    } catch {
        throw fail(WardenError(.runtime, "backup operation failed: \(String(reflecting: error))"))
    }
}

/// True unless a running supervisor reports the engine up (no supervisor: nothing is writing).
private func engineStopped(_ options: CommonOptions) async -> Bool {
    guard let configuration = try? options.loadConfiguration() else { return false }
    let client = ControlClient(socketPath: options.directories(for: configuration).controlSocket, timeout: .seconds(5))
    guard let status = try? await client.status() else { return true }
    return status.children.first { $0.name == "engine" }.map { ["stopped", "failed"].contains($0.state) } ?? true
}

/// The human form of `warden backup list`.
enum BackupTable {
    static func line(_ m: BackupManifest) -> String {
        "\(m.id): \(m.engine) backup, \(bytes(m.sizeBytes)) (dump \(bytes(m.dumpBytes))), \(String(format: "%.1f", m.durationSeconds)) s, sha256 \(m.sha256.prefix(16))…\(m.verifiedAt != nil ? ", verified" : "")"
    }

    static func render(_ manifests: [BackupManifest]) -> String {
        var rows = [["ID", "ENGINE", "STARTED", "SIZE", "ENCRYPTION", "VERIFIED", "OFF-SITE"]]
        for m in manifests {
            rows.append([
                m.id, m.engine, BackupManifest.timestamp(m.startedAt), bytes(m.sizeBytes), m.encryption,
                m.verifiedAt.map(BackupManifest.timestamp) ?? "-", m.offsite ?? "-",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    static func bytes(_ count: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: count, countStyle: .binary)
    }
}
