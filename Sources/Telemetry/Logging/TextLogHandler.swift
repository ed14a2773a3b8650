import Foundation
import Logging

/// Readable lines for a terminal: `time level category message key=value …`, secrets masked as
/// in JSON lines. Values with spaces or quotes are quoted.
public struct TextLogHandler: CategoryLogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let category: LogCategory
    let levels: LogLevels
    private let masker: SecretMasker
    private let sink: @Sendable (String) -> Void

    public init(label: String, levels: LogLevels, masker: SecretMasker, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        category = LogCategory(label: label)
        self.levels = levels
        self.masker = masker
        self.sink = sink
    }



    public func log(event: LogEvent) {
        let merged = event.mergedMetadata(handler: metadata, provider: metadataProvider)
        var line = "\(JSONLogHandler.timestamp()) \(event.level.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))"
            + "\(category.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(masker.redact("\(event.message)"))"
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted(masker.redact("\(merged[key]!)")))"
        }
        sink(line + "\n")
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
