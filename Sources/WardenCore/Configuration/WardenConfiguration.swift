import Foundation
import Logging

/// Everything `warden.yml` can say. Every key has a default, so an empty or absent file is valid.
public struct WardenConfiguration: Sendable, Hashable, Decodable {
    public var supervisor: SupervisorSettings
    public var logging: LoggingSettings
    public var database: DatabaseSettings
    public var backup: BackupSettings
    public var engine: EngineSettings
    public var recovery: RecoverySettings
    public var api: APISettings
    /// Nil without a `reports:` section: no report is sent on a schedule.
    public var reports: ReportSettings?
    public var children: [ChildSpec]
    /// The environment whose overlay was laid over the file (`--env`, `WARDEN_ENV`); nil for none.
    public var environment: String?

    public init(
        supervisor: SupervisorSettings = SupervisorSettings(), logging: LoggingSettings = LoggingSettings(),
        database: DatabaseSettings = DatabaseSettings(), backup: BackupSettings = BackupSettings(),
        engine: EngineSettings = EngineSettings(), recovery: RecoverySettings = RecoverySettings(), api: APISettings = APISettings(), reports: ReportSettings? = nil,
        children: [ChildSpec] = ChildSpec.defaults
    ) {
        self.reports = reports
        self.engine = engine
        self.recovery = recovery
        self.api = api
        self.supervisor = supervisor
        self.logging = logging
        self.database = database
        self.backup = backup
        self.children = children
    }

    /// `alerting:` is read by the Alerting module (Alertmanager's schema), not decoded here.
    static let keys = ["supervisor", "logging", "database", "backup", "engine", "recovery", "api", "reports", "children", "alerting"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            supervisor: fields.read("supervisor", default: SupervisorSettings()),
            logging: fields.read("logging", default: LoggingSettings()),
            database: fields.read("database", default: DatabaseSettings()),
            backup: fields.read("backup", default: BackupSettings()),
            engine: fields.read("engine", default: EngineSettings()),
            recovery: fields.read("recovery", default: RecoverySettings()),
            api: fields.read("api", default: APISettings()),
            reports: fields.read("reports"),
            children: fields.read("children", default: ChildSpec.defaults))
        validateChildren(fields)
    }

    private func validateChildren(_ fields: SectionReader) {
        var seen = Set<String>()
        for (index, child) in children.enumerated() where !child.name.isEmpty {
            let at = "children[\(index)]"
            if child.name.range(of: "^[a-z0-9][a-z0-9_-]{0,62}$", options: .regularExpression) == nil {
                fields.collector.report(
                    "'\(child.name)' is not a valid child name: use lower-case letters, digits, '-' and '_' (at most 63)",
                    at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("name")])
            }
            if !seen.insert(child.name).inserted {
                fields.collector.report(
                    "duplicate child name '\(child.name)'",
                    at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("name")])
            }
            for dependency in child.dependsOn where !children.contains(where: { $0.name == dependency }) {
                var message = "\(at) depends on '\(dependency)', which is not a configured child"
                if let guess = DidYouMean.suggestion(for: dependency, among: children.map(\.name)) {
                    message += "; did you mean '\(guess)'?"
                }
                fields.collector.report(
                    message, at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("depends_on")])
            }
        }
        if let cycle = DependencyOrder.cycle(in: children) {
            fields.collector.report(
                "dependency cycle: \(cycle.joined(separator: " → "))", at: fields.path + [ConfigKey("children")])
        }
    }
}

/// Log output settings, under `logging:`.
public struct LoggingSettings: Sendable, Hashable, Decodable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Text when stderr is a terminal (`make run`), JSON otherwise (journald, files, pipes).
        case auto
        /// One JSON object per line (time, level, category, message, metadata).
        case json
        /// Readable lines for a terminal: time, level, category, message, key=value.
        case text
    }

    /// The level of every category not listed in `categories`.
    public var level: Logger.Level
    /// Per-category levels: system, trading, security, audit, api, database, alert, performance.
    public var categories: [String: Logger.Level]
    public var format: Format
    /// Also write JSON lines to a rotating file (outside systemd; under journald this is ignored).
    public var file: FileLogSettings?

    public static let categoryNames = ["system", "trading", "security", "audit", "api", "database", "alert", "performance"]

    public init(
        level: Logger.Level = .info, categories: [String: Logger.Level] = [:], format: Format = .auto,
        file: FileLogSettings? = nil
    ) {
        self.level = level
        self.categories = categories
        self.format = format
        self.file = file
    }

    static let keys = ["level", "categories", "format", "file"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        func level(_ text: String, at key: String) -> Logger.Level? {
            if let level = Logger.Level(rawValue: text) { return level }
            fields.problem("expected one of \(levels), found '\(text)'", at: key)
            return nil
        }
        var categories: [String: Logger.Level] = [:]
        let written: [String: String] = fields.read("categories", default: [:])
        for (name, text) in written.sorted(by: { $0.key < $1.key }) {
            guard Self.categoryNames.contains(name) else {
                var message = "unknown log category '\(name)'"
                if let guess = DidYouMean.suggestion(for: name, among: Self.categoryNames) {
                    message += "; did you mean '\(guess)'?"
                } else {
                    message += "; expected one of: \(Self.categoryNames.joined(separator: ", "))"
                }
                fields.collector.report(message, at: fields.path + [ConfigKey("categories"), ConfigKey(name)])
                continue
            }
            if let parsed = Logger.Level(rawValue: text) {
                categories[name] = parsed
            } else {
                fields.collector.report(
                    "expected one of \(levels), found '\(text)'", at: fields.path + [ConfigKey("categories"), ConfigKey(name)])
            }
        }
        let formatText: String = fields.read("format", default: "auto")
        let format = Format(rawValue: formatText)
        if format == nil { fields.problem("expected auto, json or text, found '\(formatText)'", at: "format") }
        self.init(
            level: level(fields.read("level", default: "info"), at: "level") ?? .info, categories: categories,
            format: format ?? .auto, file: fields.read("file"))
    }
}

/// `logging.file`: a log file rotated by size and age, with a retention count.
public struct FileLogSettings: Sendable, Hashable, Decodable {
    public var path: String
    public var maxSize: ByteSize
    public var maxAge: Duration
    /// Rotated files kept beside the live one.
    public var keep: Int

    public init(path: String, maxSize: ByteSize = ByteSize(bytes: 10 << 20), maxAge: Duration = .seconds(86400), keep: Int = 7) {
        self.path = path
        self.maxSize = maxSize
        self.maxAge = maxAge
        self.keep = keep
    }

    static let keys = ["path", "max_size", "max_age", "keep"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let defaults = FileLogSettings(path: "")
        self.init(
            path: fields.read("path", default: ""), maxSize: fields.read("max_size", default: defaults.maxSize),
            maxAge: fields.duration("max_age", default: defaults.maxAge), keep: fields.read("keep", default: defaults.keep))
        if !path.hasPrefix("/") { fields.problem("expected an absolute path, found '\(path)'", at: "path") }
        if maxSize.bytes < 4096 { fields.problem("must be at least 4KiB", at: "max_size") }
        if maxAge <= .zero { fields.problem("must be greater than 0s", at: "max_age") }
        if keep < 0 { fields.problem("must be 0 or more", at: "keep") }
    }
}

extension WardenConfiguration {
    /// Every value resolved from a secret reference, so that log output can mask it.
    public var resolvedSecrets: [String] {
        var secrets = children.flatMap { $0.env.values.filter { $0.reference != nil }.map(\.value) }
        if let url = database.url, url.reference != nil {
            secrets.append(url.value)
            // The password inside a URL is a secret on its own, wherever it is printed.
            if let password = URLComponents(string: url.value)?.password { secrets.append(password) }
        }
        for text in [backup.encryptionKey, backup.s3?.secretAccessKey, api.signingKey].compactMap({ $0 }) where text.reference != nil {
            secrets.append(text.value)
        }
        return secrets
    }
}

/// `database:`: which database Warden uses.
public struct DatabaseSettings: Sendable, Hashable, Decodable {
    /// `sqlite:///path` or `postgres://user:password@host:port/db[?sslmode=disable]`; nil means
    /// SQLite at `<state-dir>/warden.sqlite`. Write it as `${env:...}` or `${file:...}` when it
    /// holds a password.
    public var url: ConfigText?
    /// How often the supervisor runs `warden db maintain`; nil means never.
    public var maintenanceInterval: Duration?
    /// PostgreSQL: monthly partitions older than this many months are detached (kept as plain
    /// tables for archiving); nil keeps them all attached.
    public var partitionRetentionMonths: Int?

    public init(url: ConfigText? = nil, maintenanceInterval: Duration? = .seconds(86_400), partitionRetentionMonths: Int? = nil) {
        self.url = url
        self.maintenanceInterval = maintenanceInterval
        self.partitionRetentionMonths = partitionRetentionMonths
    }

    static let keys = ["url", "maintenance_interval", "partition_retention_months"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        var interval: Duration? = .seconds(86_400)
        if let text: String = fields.read("maintenance_interval") {
            interval = text == "off" ? nil : DurationText.parse(text)
            if text != "off", interval == nil || interval! < .seconds(60) {
                fields.problem("expected a duration of at least 1m (such as 24h) or off, found '\(text)'", at: "maintenance_interval")
                interval = .seconds(86_400)
            }
        }
        self.init(url: fields.read("url"), maintenanceInterval: interval, partitionRetentionMonths: fields.read("partition_retention_months"))
        if let months = partitionRetentionMonths, months < 1 {
            fields.problem("expected at least 1 month, found \(months)", at: "partition_retention_months")
        }
        guard let url else { return }
        let scheme = URLComponents(string: url.value)?.scheme
        if !["sqlite", "postgres", "postgresql"].contains(scheme ?? "") {
            fields.problem("expected sqlite:///path or postgres://user@host:port/db", at: "url")
        } else if url.reference == nil, URLComponents(string: url.value)?.password != nil {
            fields.problem("a password must not be written in clear: use ${env:NAME}, ${file:PATH} or ${credential:NAME} for the whole URL", at: "url")
        }
    }
}
