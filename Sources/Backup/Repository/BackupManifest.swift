import Foundation

/// Everything known about one backup, kept as `<id>.json` beside its archive, so that the
/// repository alone is enough to list, verify, restore or rebuild the catalog.
public struct BackupManifest: Codable, Sendable, Equatable {
    public var id: String
    /// `sqlite` or `postgres`.
    public var engine: String
    /// The database it was taken from, without credentials.
    public var source: String
    public var archive: String
    public var startedAt: Date
    public var finishedAt: Date
    /// The archive's size on disk and the dump's size before compression.
    public var sizeBytes: Int64
    public var dumpBytes: Int64
    public var sha256: String
    public var encryption: String
    public var compression: String
    public var schemaVersion: Int
    public var wardenVersion: String
    /// Rows per table in the backed-up data (SQLite at backup time; PostgreSQL once a restore was tested).
    public var tables: [String: Int]
    public var verifiedAt: Date?
    public var restoreTestedAt: Date?
    /// Where the off-site copy is, once uploaded.
    public var offsite: String?

    public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }

    enum CodingKeys: String, CodingKey {
        case id, engine, source, archive, sha256, encryption, compression, tables, offsite
        case startedAt = "started_at", finishedAt = "finished_at", sizeBytes = "size_bytes", dumpBytes = "dump_bytes"
        case schemaVersion = "schema_version", wardenVersion = "warden_version", verifiedAt = "verified_at"
        case restoreTestedAt = "restore_tested_at"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(BackupManifest.timestamp(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = BackupManifest.parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad time '\(text)'"))
            }
            return date
        }
        return decoder
    }()

    /// RFC 3339 with milliseconds, UTC.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    static func parseTimestamp(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
