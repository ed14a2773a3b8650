import Foundation
import GRDB
import Logging
import Testing
import WardenCore

@testable import Storage

@Suite struct MigratorTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-storage-\(UUID())").path

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    func migrator() -> Migrator {
        Migrator(location: .sqlite(path: directory + "/warden.sqlite"), wardenVersion: "test", logger: Logger(label: "test"))
    }

    @Test func migratingTwiceAppliesOnceAndCreatesEveryTableInWALMode() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = try await migrator().status()
        #expect(before.version == 0 && before.latest == Schema.latestVersion)
        #expect(!FileManager.default.fileExists(atPath: directory + "/warden.sqlite"), "status creates nothing")
        let first = try await migrator().migrate()
        #expect(first.applied == Schema.migrations.map(\.version))
        let second = try await migrator().migrate()
        #expect(second.applied.isEmpty && second.version == Schema.latestVersion)

        let queue = try DatabaseQueue(path: directory + "/warden.sqlite")
        let (tables, mode, rows, autoVacuum) = try await queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schema_migrations"),
             try Int.fetchOne(db, sql: "PRAGMA auto_vacuum"))
        }
        #expect(autoVacuum == 2, "incremental auto-vacuum, so maintenance can hand free pages back")
        #expect(Set(tables) == Set(Schema.tables))
        #expect(mode == "wal")
        #expect(rows == Schema.migrations.count)
    }

    @Test func aDatabaseFromANewerBuildIsRefused() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await migrator().migrate()
        let queue = try DatabaseQueue(path: directory + "/warden.sqlite")
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO schema_migrations VALUES (999, 'future', 0, '9.9.9')")
        }
        await #expect(throws: WardenError.self) { try await migrator().migrate() }
        do {
            _ = try await migrator().status()
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("version 999 was written by a newer Warden"))
        }
    }

    @Test func locationsParse() throws {
        #expect(try DatabaseLocation.parse("sqlite:///var/lib/warden/w.db") == .sqlite(path: "/var/lib/warden/w.db"))
        let pg = try DatabaseLocation.parse("postgres://trader:pw@db.internal:6543/book?sslmode=disable")
        guard case .postgres(let settings) = pg else {
            Issue.record("expected postgres")
            return
        }
        #expect(settings.host == "db.internal" && settings.port == 6543 && settings.username == "trader")
        #expect(settings.password == "pw" && settings.database == "book" && !settings.tls && settings.sslMode == .disable)
        guard case .postgres(let plain) = try DatabaseLocation.parse("postgres://u@h/d") else { return }
        #expect(plain.sslMode == .prefer, "libpq's default")
        guard case .postgres(let full) = try DatabaseLocation.parse("postgres://u@h/d?sslmode=verify-full&sslrootcert=/etc/ca.pem") else { return }
        #expect(full.sslMode == .verifyFull && full.rootCertificate == "/etc/ca.pem")
        #expect { try DatabaseLocation.parse("postgres://u@h/d?sslmode=on") } throws: { "\($0)".contains("not one of libpq's modes") }
        #expect { try DatabaseLocation.parse("postgres://u@h/d?ssl=true") } throws: { "\($0)".contains("unknown parameter 'ssl'") }
        #expect("\(pg)" == "postgres://trader@db.internal:6543/book", "the password never prints")
        #expect(throws: WardenError.self) { try DatabaseLocation.parse("mysql://x/y") }
        #expect(throws: WardenError.self) { try DatabaseLocation.parse("sqlite://relative.db") }
    }

    @Test func aPasswordInClearIsAConfigurationError() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader(secrets: SecretResolver(environment: [:]))
                .load(yaml: "database:\n  url: postgres://u:hunter2@h/db\n", file: "w.yml")
        }
        let config = try? ConfigurationLoader(secrets: SecretResolver(environment: ["DB": "postgres://u:hunter2@h/db"]))
            .load(yaml: "database:\n  url: ${env:DB}\n", file: "w.yml")
        #expect(config?.resolvedSecrets.contains("hunter2") == true)
    }
}
