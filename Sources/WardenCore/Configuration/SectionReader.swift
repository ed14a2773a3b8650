import Foundation
import Yams

/// A key of any name, for reading mappings whose keys are checked by hand.
struct ConfigKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// A configuration value type that can say what a valid value looks like.
protocol ConfigExpectation {
    static var expectation: String { get }
}

extension CodingUserInfoKey {
    static let configIssues = CodingUserInfoKey(rawValue: "warden.config.issues")!
}

/// Reads one mapping of the configuration leniently: every unknown key and bad value is recorded
/// with its line, and the documented default stands in, so one pass finds every problem.
struct SectionReader {
    let container: KeyedDecodingContainer<ConfigKey>
    let collector: ConfigIssueCollector
    let path: [any CodingKey]

    init(_ decoder: any Decoder, known: [String]) throws {
        guard let collector = decoder.userInfo[.configIssues] as? ConfigIssueCollector else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "configuration sections are decoded by ConfigurationLoader"))
        }
        self.collector = collector
        self.path = decoder.codingPath
        let container = try decoder.container(keyedBy: ConfigKey.self)
        self.container = container
        for key in container.allKeys where !known.contains(key.stringValue) {
            var message = "unknown key '\(key.stringValue)'"
            if let guess = DidYouMean.suggestion(for: key.stringValue, among: known) {
                message += "; did you mean '\(guess)'?"
            } else {
                message += "; expected one of: \(known.joined(separator: ", "))"
            }
            collector.report(message, at: path + [key])
        }
    }

    /// The value at `key`, or `fallback` when it is absent, null or invalid (invalid is recorded).
    func read<T: Decodable>(_ key: String, default fallback: T) -> T {
        read(key) ?? fallback
    }

    /// The value at `key`, or nil when it is absent, null or invalid (invalid is recorded).
    func read<T: Decodable>(_ key: String) -> T? {
        do {
            return try container.decodeIfPresent(T.self, forKey: ConfigKey(key))
        } catch let error as DecodingError {
            collector.report(error, at: path + [ConfigKey(key)], expecting: T.self)
        } catch {
            collector.report("\(error)", at: path + [ConfigKey(key)])
        }
        return nil
    }

    /// A mapping of names to strings or secret references, each value checked on its own so that
    /// every bad one is reported.
    func textMap(_ key: String) -> [String: ConfigText] {
        let path = self.path + [ConfigKey(key)]
        guard container.contains(ConfigKey(key)) else { return [:] }
        let nested: KeyedDecodingContainer<ConfigKey>
        do {
            nested = try container.nestedContainer(keyedBy: ConfigKey.self, forKey: ConfigKey(key))
        } catch let error as DecodingError {
            collector.report(error, at: path, expecting: [String: ConfigText].self)
            return [:]
        } catch {
            return [:]
        }
        var values: [String: ConfigText] = [:]
        for entry in nested.allKeys {
            do {
                values[entry.stringValue] = try nested.decode(ConfigText.self, forKey: entry)
            } catch let error as DecodingError {
                collector.report(error, at: path + [entry], expecting: ConfigText.self)
            } catch {
                collector.report("\(error)", at: path + [entry])
            }
        }
        return values
    }

    /// A duration written like `500ms`, `30s` or `5m`.
    func duration(_ key: String, default fallback: Duration) -> Duration {
        guard let text: String = read(key) else { return fallback }
        if let parsed = DurationText.parse(text) { return parsed }
        collector.report("expected a duration such as 500ms, 30s or 5m, found '\(text)'", at: path + [ConfigKey(key)])
        return fallback
    }

    /// Records a problem with the value at `key` found after it was read (a range, a cross-reference).
    func problem(_ message: String, at key: String) {
        collector.report(message, at: path + [ConfigKey(key)])
    }
}

/// Gathers issues during one load; used from a single thread for the duration of that load.
final class ConfigIssueCollector {
    let document: ComposedConfiguration
    var root: Node? { document.root }
    let secrets: SecretResolver
    private(set) var issues: [ConfigIssue] = []

    init(document: ComposedConfiguration, secrets: SecretResolver) {
        self.document = document
        self.secrets = secrets
    }

    func report(_ message: String, at path: [any CodingKey]) {
        let keyPath = Self.keyPath(path)
        let issue = ConfigIssue(file: document.file(for: keyPath), line: line(for: path), keyPath: keyPath, message: message)
        if !issues.contains(issue) { issues.append(issue) }
    }

    func report(_ error: DecodingError, at fallbackPath: [any CodingKey], expecting type: Any.Type) {
        switch error {
        case .typeMismatch(let found, let context), .valueNotFound(let found, let context):
            let path = context.codingPath.isEmpty ? fallbackPath : context.codingPath
            // At the field itself, the type asked for says more than the decoder's internal one.
            let wanted = Self.keyPath(path) == Self.keyPath(fallbackPath) ? type : found
            report("expected \(Self.expectation(for: wanted)), found \(describeValue(at: path))", at: path)
        case .dataCorrupted(let context):
            report(context.debugDescription, at: context.codingPath.isEmpty ? fallbackPath : context.codingPath)
        case .keyNotFound(let key, let context):
            report("missing required key '\(key.stringValue)'", at: context.codingPath)
        @unknown default:
            report("\(error)", at: fallbackPath)
        }
    }

    static func keyPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func expectation(for type: Any.Type) -> String {
        if let described = type as? any ConfigExpectation.Type { return described.expectation }
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is [String].Type: return "a list of strings"
        case is [String: ConfigText].Type, is [String: String].Type: return "a mapping of names to strings"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a mapping" }
            return "a mapping"
        }
    }

    /// The line of the node at `path`; for the last component, the line of its key.
    func line(for path: [any CodingKey]) -> Int? {
        guard var node = root else { return nil }
        var line = node.mark?.line
        for key in path {
            if let mapping = node.mapping,
               let entry = mapping.first(where: { $0.key.string == key.stringValue }) {
                line = entry.key.mark?.line ?? line
                node = entry.value
            } else if let sequence = node.sequence, let index = key.intValue, sequence.indices.contains(index) {
                node = sequence[index]
                line = node.mark?.line ?? line
            } else {
                break
            }
        }
        return line
    }

    private func describeValue(at path: [any CodingKey]) -> String {
        var node = root
        for key in path {
            if let mapping = node?.mapping {
                node = mapping.first(where: { $0.key.string == key.stringValue })?.value
            } else if let sequence = node?.sequence, let index = key.intValue, sequence.indices.contains(index) {
                node = sequence[index]
            } else {
                node = nil
            }
        }
        switch node {
        case .scalar(let scalar)? where scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty:
            return "nothing"
        case .scalar(let scalar)?: return "'\(scalar.string)'"
        case .mapping?: return "a mapping"
        case .sequence?: return "a list"
        default: return "nothing"
        }
    }
}
