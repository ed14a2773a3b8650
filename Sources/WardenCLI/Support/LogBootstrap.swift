import Logging
import Telemetry
import WardenCore

/// Chooses and configures the log backend once per process: native journald records when stderr
/// is systemd's journal stream, else JSON lines (or text) on stderr. Levels and masked secrets
/// change in place on reload.
enum LogBootstrap {
    static let levels = LogLevels(default: .info)
    static let masker = SecretMasker()

    static func start(_ settings: WardenConfiguration, label: String) -> Logger {
        reconfigure(settings)
        let journal = JournalLogHandler.stderrIsJournal()
        let format = settings.logging.format
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, levels: levels, masker: masker) }
            switch format {
            case .json:
                return JSONLogHandler(label: label, levels: levels, masker: masker, sink: JSONLogHandler.standardError)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = levels.level(for: LogCategory(label: label))
                return handler
            }
        }
        return Logger(label: label)
    }

    /// New levels and secrets from a reloaded configuration.
    static func reconfigure(_ settings: WardenConfiguration) {
        let overrides = settings.logging.categories.reduce(into: [LogCategory: Logger.Level]()) { result, entry in
            if let category = LogCategory(rawValue: entry.key) { result[category] = entry.value }
        }
        levels.update(default: settings.logging.level, overrides: overrides)
        masker.update(secrets: settings.resolvedSecrets)
    }
}
