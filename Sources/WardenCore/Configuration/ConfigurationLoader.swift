import Foundation
import Yams

/// Reads `warden.yml`: YAML syntax, types, unknown keys, ranges, cross-references and secrets,
/// reporting every problem with its file and line.
public struct ConfigurationLoader: Sendable {
    public var secrets: SecretResolver

    public init(secrets: SecretResolver = SecretResolver()) {
        self.secrets = secrets
    }

    /// The configuration in the file at `path`, or the embedded defaults when `path` is nil.
    public func load(path: String?) throws(ConfigurationError) -> WardenConfiguration {
        guard let path else { return WardenConfiguration() }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw ConfigurationError(issues: [ConfigIssue(
                file: path, line: nil, keyPath: "", message: "cannot read configuration file: \(reason)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigIssue(
                file: path, line: nil, keyPath: "", message: "configuration file is not UTF-8 text")])
        }
        return try load(yaml: text, file: path)
    }

    /// The configuration written in `yaml`; `file` names it in messages.
    public func load(yaml: String, file: String) throws(ConfigurationError) -> WardenConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(issues: [Self.syntaxIssue(error, file: file)])
        }
        guard let root else { return WardenConfiguration() }

        let collector = ConfigIssueCollector(file: file, root: root, secrets: secrets)
        let decoded: WardenConfiguration?
        do {
            decoded = try YAMLDecoder().decode(WardenConfiguration.self, from: root, userInfo: [.configIssues: collector])
        } catch let error as DecodingError {
            collector.report(error, at: [], expecting: WardenConfiguration.self)
            decoded = nil
        } catch {
            collector.report("\(error)", at: [])
            decoded = nil
        }
        guard let decoded, collector.issues.isEmpty else {
            // Reported in file order, whatever order the decoder visited the keys in.
            let ordered = collector.issues.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            throw ConfigurationError(issues: ordered.map(\.element))
        }
        return decoded
    }

    private static func syntaxIssue(_ error: any Error, file: String) -> ConfigIssue {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigIssue(file: file, line: mark.line, keyPath: "", message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigIssue(
                file: file, line: context.mark.line, keyPath: "",
                message: "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return ConfigIssue(file: file, line: nil, keyPath: "", message: "YAML error: \(error)")
        }
    }
}
