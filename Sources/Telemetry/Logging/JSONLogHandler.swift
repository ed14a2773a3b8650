import Foundation
import Logging

/// One JSON object per line: `time`, `level`, `category`, `message`, `metadata`, with secrets
/// masked. Written to stderr, or to any sink (a rotating file, a test buffer).
public struct JSONLogHandler: CategoryLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let category: LogCategory
    let levels: LogLevels
    private let masker: SecretMasker
    private let sink: @Sendable (String) -> Void

    public init(label: String, levels: LogLevels, masker: SecretMasker, sink: @escaping @Sendable (String) -> Void) {
        category = LogCategory(label: label)
        self.levels = levels
        self.masker = masker
        self.sink = sink
    }



    public func log(event: LogEvent) {
        let merged = event.mergedMetadata(handler: metadata, provider: metadataProvider)
        var fields: [String: Any] = [
            "time": Self.timestamp(),
            "level": event.level.rawValue,
            "category": category.rawValue,
            "message": masker.redact("\(event.message)"),
        ]
        if !merged.isEmpty {
            fields["metadata"] = merged.mapValues { masker.redact("\($0)") }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        sink(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = now.tv_sec
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }

    /// Writes whole lines to stderr (one write per line, so lines from threads never interleave).
    public static let standardError: @Sendable (String) -> Void = { line in
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = write(2, buffer.baseAddress, buffer.count - 1)
        }
    }
}
