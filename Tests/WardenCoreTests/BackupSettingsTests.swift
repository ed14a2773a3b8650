import Testing
@testable import WardenCore

@Suite("backup: and database: maintenance settings")
struct BackupSettingsTests {
    let key = String(repeating: "ab", count: 32)

    func load(_ yaml: String, environment: [String: String] = [:]) throws -> WardenConfiguration {
        try ConfigurationLoader(secrets: SecretResolver(environment: environment)).load(yaml: yaml, file: "warden.yml")
    }

    func problems(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigurationLoader(secrets: SecretResolver(environment: environment)).load(yaml: yaml, file: "warden.yml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("defaults: encrypted, no schedule, daily maintenance, nothing pruned")
    func defaults() throws {
        let configuration = try load("{}")
        #expect(configuration.backup.encryption == .aes256gcm)
        #expect(configuration.backup.interval == nil)
        #expect(configuration.backup.retention.isEmpty)
        #expect(configuration.database.maintenanceInterval == .seconds(86_400))
    }

    @Test("a full section reads back, with the key from a secret reference")
    func full() throws {
        let configuration = try load("""
            backup:
              repository: /srv/backups
              encryption_key: ${env:KEY}
              interval: 6h
              retention: {keep_last: 3, keep_daily: 7, keep_weekly: 4, keep_monthly: 12}
              s3: {endpoint: "https://s3.example", bucket: b, access_key_id: AK, secret_access_key: "${env:SECRET}", part_size: 16MiB}
            database: {maintenance_interval: "off", partition_retention_months: 24}
            """, environment: ["KEY": key, "SECRET": "s3cr3t"])
        #expect(configuration.backup.interval == .seconds(6 * 3600))
        #expect(configuration.backup.retention == RetentionSettings(keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12))
        #expect(configuration.backup.s3?.partSize.bytes == 16 << 20)
        #expect(configuration.database.maintenanceInterval == nil)
        #expect(configuration.database.partitionRetentionMonths == 24)
        #expect(configuration.resolvedSecrets.contains(key))
        #expect(configuration.resolvedSecrets.contains("s3cr3t"))
    }

    @Test("every bad value is reported with its line and key")
    func badValues() {
        let found = problems("""
            backup:
              encryption: rot13
              encryption_key: ${env:SHORT}
              compression_level: 12
              interval: 5s
              repository: backups
              retention: {keep_last: -1, keep_hourly: 2}
              s3: {endpoint: "ftp://x", bucket: "", access_key_id: AK, secret_access_key: plain, part_size: 1MiB}
            """, environment: ["SHORT": "abcd"])
        let expected = [
            "warden.yml:2: backup.encryption: expected aes-256-gcm or none, found 'rot13'",
            "warden.yml:3: backup.encryption_key: expected 32 bytes written as 64 hex digits or base64",
            "warden.yml:4: backup.compression_level: expected 0 (store) to 9, found 12",
            "warden.yml:5: backup.interval: expected a duration of at least 1m",
            "warden.yml:6: backup.repository: expected an absolute path, found 'backups'",
            "warden.yml:7: backup.retention.keep_last: must be 0 or more",
            "warden.yml:7: backup.retention.keep_hourly: unknown key 'keep_hourly'",
            "backup.s3.endpoint: expected an http(s) URL",
            "backup.s3.bucket: missing required key 'bucket'",
            "backup.s3.secret_access_key: a secret must not be written in clear",
            "backup.s3.part_size: must be at least 5MiB",
        ]
        for text in expected {
            #expect(found.contains { $0.hasPrefix(text) || $0.contains(text) }, "\(text) not in \(found)")
        }
    }

    @Test("encryption none and a key together are contradictory; a key in clear is refused")
    func noneWithKey() {
        let found = problems("backup: {encryption: none, encryption_key: \(key)}")
        #expect(found.contains { $0.contains("an encryption key is set but encryption is none") })
        #expect(found.contains { $0.contains("backup.encryption_key: a key must not be written in clear") })
    }
}
