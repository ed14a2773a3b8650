import Foundation

/// `backup:`: where backups go, how they are sealed, when the supervisor takes them and how many are kept.
public struct BackupSettings: Sendable, Hashable, Decodable {
    public enum Encryption: String, Sendable, Hashable {
        case aes256gcm = "aes-256-gcm"
        /// Only when written explicitly: a backup holds API keys and trading history.
        case none
    }

    /// The directory holding archives and their manifests; nil means `<state-dir>/backups`.
    public var repository: String?
    public var encryption: Encryption
    /// 32 bytes as 64 hex digits or base64, normally a secret reference (`${file:...}`).
    public var encryptionKey: ConfigText?
    /// zlib level 1–9 for SQLite archives, 0 to store; PostgreSQL dumps are compressed by pg_dump.
    public var compressionLevel: Int
    /// How often the supervisor takes a backup; nil means never (backups are then taken by hand or by cron).
    public var interval: Duration?
    /// Verify (restore into scratch and check) every scheduled backup right after it is taken.
    public var verify: Bool
    /// Attempts for one backup when the database cannot be reached (PostgreSQL down).
    public var attempts: Int
    public var retention: RetentionSettings
    public var s3: S3Settings?

    public init(
        repository: String? = nil, encryption: Encryption = .aes256gcm, encryptionKey: ConfigText? = nil,
        compressionLevel: Int = 3, interval: Duration? = nil, verify: Bool = true, attempts: Int = 3,
        retention: RetentionSettings = RetentionSettings(), s3: S3Settings? = nil
    ) {
        self.repository = repository
        self.encryption = encryption
        self.encryptionKey = encryptionKey
        self.compressionLevel = compressionLevel
        self.interval = interval
        self.verify = verify
        self.attempts = attempts
        self.retention = retention
        self.s3 = s3
    }

    static let keys = [
        "repository", "encryption", "encryption_key", "compression_level", "interval", "verify", "attempts", "retention", "s3",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = BackupSettings()
        let encryptionText: String = fields.read("encryption", default: Encryption.aes256gcm.rawValue)
        let encryption = Encryption(rawValue: encryptionText)
        if encryption == nil { fields.problem("expected aes-256-gcm or none, found '\(encryptionText)'", at: "encryption") }
        var interval: Duration?
        if let text: String = fields.read("interval"), text != "off" {
            interval = DurationText.parse(text)
            if interval == nil || interval! < .seconds(60) {
                fields.problem("expected a duration of at least 1m (such as 6h) or off, found '\(text)'", at: "interval")
                interval = nil
            }
        }
        self.init(
            repository: fields.read("repository"), encryption: encryption ?? .aes256gcm,
            encryptionKey: fields.read("encryption_key"),
            compressionLevel: fields.read("compression_level", default: defaults.compressionLevel), interval: interval,
            verify: fields.read("verify", default: true), attempts: fields.read("attempts", default: defaults.attempts),
            retention: fields.read("retention", default: RetentionSettings()), s3: fields.read("s3"))
        if let repository, !repository.hasPrefix("/") {
            fields.problem("expected an absolute path, found '\(repository)'", at: "repository")
        }
        if !(0...9).contains(compressionLevel) { fields.problem("expected 0 (store) to 9, found \(compressionLevel)", at: "compression_level") }
        if !(1...10).contains(attempts) { fields.problem("expected 1 to 10, found \(attempts)", at: "attempts") }
        if self.encryption == .none, encryptionKey != nil {
            fields.problem("an encryption key is set but encryption is none; remove one of them", at: "encryption")
        }
        if let key = encryptionKey, BackupKeyText.decode(key.value) == nil {
            fields.problem("expected 32 bytes written as 64 hex digits or base64 (generate one with `openssl rand -hex 32`)", at: "encryption_key")
        } else if let key = encryptionKey, key.reference == nil {
            fields.problem("a key must not be written in clear: use ${file:PATH}, ${env:NAME} or ${credential:NAME}", at: "encryption_key")
        }
    }
}

/// `backup.retention`: restic's `forget` policy. Zero means the rule keeps nothing by itself.
public struct RetentionSettings: Sendable, Hashable, Decodable {
    public var keepLast: Int
    public var keepDaily: Int
    public var keepWeekly: Int
    public var keepMonthly: Int

    public init(keepLast: Int = 0, keepDaily: Int = 0, keepWeekly: Int = 0, keepMonthly: Int = 0) {
        self.keepLast = keepLast
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
    }

    /// No rule set: prune keeps everything.
    public var isEmpty: Bool { keepLast == 0 && keepDaily == 0 && keepWeekly == 0 && keepMonthly == 0 }

    static let keys = ["keep_last", "keep_daily", "keep_weekly", "keep_monthly"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            keepLast: fields.read("keep_last", default: 0), keepDaily: fields.read("keep_daily", default: 0),
            keepWeekly: fields.read("keep_weekly", default: 0), keepMonthly: fields.read("keep_monthly", default: 0))
        for (key, value) in zip(Self.keys, [keepLast, keepDaily, keepWeekly, keepMonthly]) where value < 0 {
            fields.problem("must be 0 or more", at: key)
        }
    }
}

/// `backup.s3`: an off-site copy of every archive in S3-compatible storage.
public struct S3Settings: Sendable, Hashable, Decodable {
    /// `https://s3.eu-west-1.amazonaws.com` or any S3-compatible endpoint; path-style addressing.
    public var endpoint: String
    public var region: String
    public var bucket: String
    public var prefix: String
    public var accessKeyID: ConfigText
    public var secretAccessKey: ConfigText
    /// Archives larger than this go up in parts of this size (at least 5 MiB, S3's minimum).
    public var partSize: ByteSize

    public init(
        endpoint: String, region: String = "us-east-1", bucket: String, prefix: String = "warden/",
        accessKeyID: ConfigText, secretAccessKey: ConfigText, partSize: ByteSize = ByteSize(bytes: 8 << 20)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.partSize = partSize
    }

    static let keys = ["endpoint", "region", "bucket", "prefix", "access_key_id", "secret_access_key", "part_size"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let endpoint: String = fields.read("endpoint", default: "")
        let bucket: String = fields.read("bucket", default: "")
        self.init(
            endpoint: endpoint, region: fields.read("region", default: "us-east-1"), bucket: bucket,
            prefix: fields.read("prefix", default: "warden/"),
            accessKeyID: fields.read("access_key_id", default: ConfigText("")),
            secretAccessKey: fields.read("secret_access_key", default: ConfigText("")),
            partSize: fields.read("part_size", default: ByteSize(bytes: 8 << 20)))
        let scheme = URLComponents(string: endpoint)?.scheme
        if scheme != "http" && scheme != "https" { fields.problem("expected an http(s) URL, found '\(endpoint)'", at: "endpoint") }
        if bucket.isEmpty { fields.problem("missing required key 'bucket'", at: "bucket") }
        if accessKeyID.value.isEmpty { fields.problem("missing required key 'access_key_id'", at: "access_key_id") }
        if secretAccessKey.value.isEmpty { fields.problem("missing required key 'secret_access_key'", at: "secret_access_key") }
        else if secretAccessKey.reference == nil {
            fields.problem("a secret must not be written in clear: use ${env:NAME}, ${file:PATH} or ${credential:NAME}", at: "secret_access_key")
        }
        if partSize.bytes < 5 << 20 { fields.problem("must be at least 5MiB (S3's smallest part)", at: "part_size") }
    }
}

/// The two ways a 32-byte key may be written.
public enum BackupKeyText {
    public static func decode(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, trimmed.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = trimmed.startIndex
            while index < trimmed.endIndex {
                let next = trimmed.index(index, offsetBy: 2)
                bytes.append(UInt8(trimmed[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        if let data = Data(base64Encoded: trimmed), data.count == 32 { return Array(data) }
        return nil
    }
}
