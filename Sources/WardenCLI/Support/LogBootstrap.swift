import Foundation
import Logging
import Telemetry
import WardenCore

/// Chooses and configures the log backend once per process: native journald records when stderr
/// is systemd's journal stream, else JSON lines (or text) on stderr. Levels and masked secrets
/// change in place on reload.
enum LogBootstrap {
    static let levels = LogLevels(default: .info)
    static let masker = SecretMasker()

    static func start(_ settings: WardenConfiguration, label: String, fileLogging: Bool = false) throws -> Logger {
        reconfigure(settings)
        let journal = JournalLogHandler.stderrIsJournal()
        let format = resolvedFormat(settings.logging.format)
        // Only the supervisor writes the file; workers' lines reach it through the supervisor.
        var sink = JSONLogHandler.standardError
        if fileLogging, !journal, let file = settings.logging.file {
            let rotating = try RotatingFile(
                path: file.path, policy: .init(maxBytes: file.maxSize.bytes, maxAge: file.maxAge, keep: file.keep))
            sink = { line in
                JSONLogHandler.standardError(line)
                rotating.write(line)
            }
        }
        let lineSink = sink
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, levels: levels, masker: masker) }
            switch format {
            case .json, .auto:
                return JSONLogHandler(label: label, levels: levels, masker: masker, sink: lineSink)
            case .text:
                return TextLogHandler(label: label, levels: levels, masker: masker, sink: lineSink)
            }
        }
        return Logger(label: label)
    }

    /// `--log-format` (through $WARDEN_LOG_FORMAT, so workers the supervisor starts follow it), else
    /// the configuration's; `auto` is text on a terminal and JSON anywhere else.
    static func resolvedFormat(_ configured: LoggingSettings.Format) -> LoggingSettings.Format {
        let chosen = ProcessInfo.processInfo.environment["WARDEN_LOG_FORMAT"].flatMap(LoggingSettings.Format.init(rawValue:)) ?? configured
        guard chosen == .auto else { return chosen }
        return isatty(2) != 0 ? .text : .json
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
