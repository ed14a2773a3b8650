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
        // Only the supervisor writes the file (always JSON lines); workers' lines reach it through the supervisor.
        var file: (@Sendable (String) -> Void)?
        if fileLogging, !journal, let settings = settings.logging.file {
            let rotating = try RotatingFile(
                path: settings.path, policy: .init(maxBytes: settings.maxSize.bytes, maxAge: settings.maxAge, keep: settings.keep))
            file = { rotating.write($0) }
        }
        let fileSink = file
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, levels: levels, masker: masker) }
            switch (format, fileSink) {
            case (.text, nil):
                return TextLogHandler(label: label, levels: levels, masker: masker)
            case (.text, let file?):
                return MultiplexLogHandler([
                    TextLogHandler(label: label, levels: levels, masker: masker), JSONLogHandler(label: label, levels: levels, masker: masker, sink: file),
                ])
            case (_, let file?):
                // One encoding for both.
                return JSONLogHandler(label: label, levels: levels, masker: masker, sink: { line in
                    JSONLogHandler.standardError(line)
                    file(line)
                })
            case (_, nil):
                return JSONLogHandler(label: label, levels: levels, masker: masker, sink: JSONLogHandler.standardError)
            }
        }
        return Logger(label: label)
    }

    /// `auto` is text on a terminal and JSON anywhere else (journald, files, a worker's pipe to
    /// its supervisor, which parses them).
    static func resolvedFormat(_ configured: LoggingSettings.Format) -> LoggingSettings.Format {
        guard configured == .auto else { return configured }
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
