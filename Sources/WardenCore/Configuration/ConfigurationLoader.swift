import Foundation
import Yams

/// Reads `warden.yml`: YAML syntax, types, unknown keys, ranges, cross-references and secrets,
/// reporting every problem with its file and line.
public struct ConfigurationLoader: Sendable {
    public var secrets: SecretResolver

    public init(secrets: SecretResolver = SecretResolver()) {
        self.secrets = secrets
    }

    /// The configuration in the file at `path` with the selected environment's overlay (`--env`,
    /// `WARDEN_ENV`) laid over it, or the embedded defaults when `path` is nil.
    public func load(path: String?, environment: String? = ComposedConfiguration.selectedEnvironment()) throws(ConfigurationError) -> WardenConfiguration {
        guard let path else {
            if let environment {
                throw ConfigurationError(issues: [ConfigIssue(
                    file: "warden.yml", line: nil, keyPath: "",
                    message: "environment '\(environment)' is selected but no configuration file is given (--config or WARDEN_CONFIG); its overlay sits beside it")])
            }
            return WardenConfiguration()
        }
        return try load(ComposedConfiguration.compose(path: path, environment: environment))
    }

    /// The configuration written in `yaml`; `file` names it in messages.
    public func load(yaml: String, file: String) throws(ConfigurationError) -> WardenConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationError(issues: [Self.syntaxIssue(error, file: file)])
        }
        return try load(ComposedConfiguration(root: root, file: file))
    }

    func load(_ document: ComposedConfiguration) throws(ConfigurationError) -> WardenConfiguration {
        guard let root = document.root else { return try guarded(WardenConfiguration(), document) }
        let collector = ConfigIssueCollector(document: document, secrets: secrets)
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
            let ordered = collector.issues.enumerated().sorted { ($0.element.file, $0.element.line ?? 0, $0.offset) < ($1.element.file, $1.element.line ?? 0, $1.offset) }
            throw ConfigurationError(issues: ordered.map(\.element))
        }
        return try guarded(decoded, document)
    }

    /// The environment set, and its guards checked against the merged configuration.
    private func guarded(_ configuration: WardenConfiguration, _ document: ComposedConfiguration) throws(ConfigurationError) -> WardenConfiguration {
        var configuration = configuration
        guard let overlay = document.overlay else { return configuration }
        configuration.environment = overlay.environment
        let issues = EnvironmentGuards.violations(configuration, environment: overlay.environment).map { violation in
            ConfigIssue(
                file: document.file(for: violation.keyPath), line: Self.line(of: violation.keyPath, in: document.root), keyPath: violation.keyPath,
                message: "environment \(overlay.environment): \(violation.message)")
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return configuration
    }

    /// The line of the key at a dotted path, or of the nearest ancestor present.
    static func line(of keyPath: String, in root: Node?) -> Int? {
        var node = root
        var line: Int?
        for name in keyPath.split(separator: ".").map(String.init) {
            guard let mapping = node?.mapping, let entry = mapping.first(where: { $0.key.string == name }) else { break }
            line = entry.key.mark?.line
            node = entry.value
        }
        return line
    }

    static func syntaxIssue(_ error: any Error, file: String) -> ConfigIssue {
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
