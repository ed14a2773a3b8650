import Foundation
import WardenCore
import Yams

/// Walks a composed YAML document by hand, collecting every problem with its file, line and key
/// path, for files whose schema belongs to Prometheus or Alertmanager.
final class YAMLWalker {
    let file: String
    /// The file a key path's value came from (an environment's overlay or the file itself).
    let fileFor: (String) -> String
    private(set) var issues: [ConfigIssue] = []

    init(file: String) {
        self.file = file
        fileFor = { _ in file }
    }

    init(document: ComposedConfiguration) {
        file = document.file
        fileFor = { document.file(for: $0) }
    }

    /// The document in `path`, or nil with the problem recorded.
    static func compose(path: String) -> (Node?, ConfigIssue?) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read (permission denied or not UTF-8)" : "no such file"
            return (nil, ConfigIssue(file: path, line: nil, keyPath: "", message: reason))
        }
        return compose(text, file: path)
    }

    static func compose(_ text: String, file: String) -> (Node?, ConfigIssue?) {
        do {
            return (try Yams.compose(yaml: text), nil)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return (nil, ConfigIssue(file: file, line: mark.line, keyPath: "", message: "YAML syntax error: \(problem)"))
            default:
                return (nil, ConfigIssue(file: file, line: nil, keyPath: "", message: "YAML error: \(error)"))
            }
        } catch {
            return (nil, ConfigIssue(file: file, line: nil, keyPath: "", message: "YAML error: \(error)"))
        }
    }

    func report(_ message: String, at node: Node?, path: String) {
        let issue = ConfigIssue(file: fileFor(path), line: node?.mark?.line, keyPath: path, message: message)
        if !issues.contains(issue) { issues.append(issue) }
    }

    /// A mapping's entries in file order, unknown keys reported.
    func mapping(_ node: Node?, path: String, known: [String]) -> [(key: String, value: Node)] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else {
            report("expected a mapping, found \(describe(node))", at: node, path: path)
            return []
        }
        var entries: [(key: String, value: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if !known.isEmpty && !known.contains(name) {
                report("unknown key '\(name)'; expected one of: \(known.joined(separator: ", "))", at: key, path: join(path, name))
                continue
            }
            entries.append((name, value))
        }
        return entries
    }

    func sequence(_ node: Node?, path: String) -> [Node] {
        guard let node else { return [] }
        if case .scalar(let scalar) = node, scalar.string == "" || scalar.string == "null" || scalar.string == "~" { return [] }
        guard case .sequence(let sequence) = node else {
            report("expected a list, found \(describe(node))", at: node, path: path)
            return []
        }
        return Array(sequence)
    }

    func string(_ node: Node?, path: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            report("expected a string, found \(describe(node))", at: node, path: path)
            return nil
        }
        return scalar.string
    }

    func bool(_ node: Node?, path: String) -> Bool? {
        guard let node else { return nil }
        guard let value = node.bool else {
            report("expected true or false, found \(describe(node))", at: node, path: path)
            return nil
        }
        return value
    }

    func number(_ node: Node?, path: String) -> Double? {
        guard let node else { return nil }
        guard let value = node.float ?? node.int.map(Double.init) else {
            report("expected a number, found \(describe(node))", at: node, path: path)
            return nil
        }
        return value
    }

    /// A Prometheus duration (`30s`, `5m`, `1h30m`) in milliseconds.
    func duration(_ node: Node?, path: String) -> Int64? {
        guard let text = string(node, path: path) else { return nil }
        if text == "0" { return 0 }
        guard let value = Lexer.duration(text) else {
            report("expected a duration such as 30s, 5m or 1h30m, found '\(text)'", at: node, path: path)
            return nil
        }
        return value
    }

    func stringMap(_ node: Node?, path: String) -> [(String, String, Node)] {
        mapping(node, path: path, known: []).compactMap { key, value in
            string(value, path: join(path, key)).map { (key, $0, value) }
        }
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}
