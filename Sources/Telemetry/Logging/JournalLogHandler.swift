import CSystemd
import Foundation
import Logging

/// Native journald records through sd_journal_sendv: MESSAGE, PRIORITY, WARDEN_CATEGORY and one
/// field per metadata key, with the same masking as the JSON handler.
public struct JournalLogHandler: CategoryLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let category: LogCategory
    let levels: LogLevels
    private let masker: SecretMasker

    public init(label: String, levels: LogLevels, masker: SecretMasker) {
        category = LogCategory(label: label)
        self.levels = levels
        self.masker = masker
    }

    /// True when stderr is the journal stream systemd gave this process (JOURNAL_STREAM=dev:ino).
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return stream == "\(info.st_dev):\(info.st_ino)"
    }



    public func log(event: LogEvent) {
        let merged = event.mergedMetadata(handler: metadata, provider: metadataProvider)
        var fields = [
            "MESSAGE=\(masker.redact("\(event.message)"))",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=warden",
            "WARDEN_CATEGORY=\(category.rawValue)",
            "WARDEN_LEVEL=\(event.level.rawValue)",
        ]
        for (key, value) in merged {
            fields.append("\(Self.fieldName(key))=\(masker.redact("\(value)"))")
        }
        let copies = fields.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var vectors = copies.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0!)) }
        _ = sd_journal_sendv(&vectors, Int32(vectors.count))
    }

    /// syslog priorities, as journald expects them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Journal field names are upper-case letters, digits and underscores, not starting with `_`
    /// (reserved for trusted fields) or a digit.
    static func fieldName(_ key: String) -> String {
        let cleaned = String(key.uppercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "_" })
        let trimmed = cleaned.drop { $0 == "_" || $0.isNumber }
        return "WARDEN_" + (trimmed.isEmpty ? "FIELD" : trimmed)
    }
}
