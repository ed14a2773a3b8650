import Logging
import Synchronization

/// The categories Warden logs under; each has its own level. A logger's label is its category.
public enum LogCategory: String, CaseIterable, Sendable {
    case system, trading, security, audit, api, database, alert, performance

    /// The category of a logger label: `trading` or `warden.trading`; anything else is `system`.
    public init(label: String) {
        let last = label.split(separator: ".").last.map(String.init) ?? label
        self = LogCategory(rawValue: last) ?? .system
    }
}

/// Per-category levels, shared by every handler and changed in place on SIGHUP.
public final class LogLevels: Sendable {
    private let levels: Mutex<[LogCategory: Logger.Level]>

    public init(default level: Logger.Level, overrides: [LogCategory: Logger.Level] = [:]) {
        var all = Dictionary(uniqueKeysWithValues: LogCategory.allCases.map { ($0, level) })
        all.merge(overrides) { $1 }
        levels = Mutex(all)
    }

    public func level(for category: LogCategory) -> Logger.Level { levels.withLock { $0[category] ?? .info } }

    public func update(default level: Logger.Level, overrides: [LogCategory: Logger.Level]) {
        levels.withLock { levels in
            for category in LogCategory.allCases { levels[category] = overrides[category] ?? level }
        }
    }
}

extension LogEvent {
    /// The handler's metadata, then the provider's, then the event's own, later ones winning.
    func mergedMetadata(handler: Logger.Metadata, provider: Logger.MetadataProvider?) -> Logger.Metadata {
        var merged = handler
        if let provided = provider?.get() { merged.merge(provided) { $1 } }
        if let extra = metadata { merged.merge(extra) { $1 } }
        return merged
    }
}

/// A handler whose level is its category's, from configuration: the level and metadata
/// accessors every Warden handler shares.
protocol CategoryLogHandler: LogHandler {
    var category: LogCategory { get }
    var levels: LogLevels { get }
}

extension CategoryLogHandler {
    public var logLevel: Logger.Level {
        get { levels.level(for: category) }
        set {}  // levels come from configuration, per category
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
