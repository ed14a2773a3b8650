import Logging

/// Logs go to stderr (journald picks them up under systemd); the telemetry issue adds JSON and
/// native journal records.
enum LogBootstrap {
    static func start(level: Logger.Level, label: String) -> Logger {
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
