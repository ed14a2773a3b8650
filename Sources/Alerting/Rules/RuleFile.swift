import Foundation
import WardenCore
import Yams

/// Loads Prometheus rule files, refusing anything Warden would evaluate differently: every
/// problem is reported with file, line, key path and rule name.
public enum RuleFile {
    public static func load(_ paths: [String]) throws(ConfigurationError) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        var issues: [ConfigIssue] = []
        for path in paths {
            switch load(path: path) {
            case .success(let loaded): groups += loaded
            case .failure(let error): issues += error.issues
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return groups
    }

    public static func load(path: String) -> Result<[RuleGroup], ConfigurationError> {
        let (root, problem) = YAMLWalker.compose(path: path)
        if let problem { return .failure(ConfigurationError(issues: [problem])) }
        let walker = YAMLWalker(file: path)
        let groups = parse(root, walker: walker)
        return walker.issues.isEmpty ? .success(groups) : .failure(ConfigurationError(issues: walker.issues))
    }

    /// Rules written in `yaml`; `file` names them in messages.
    public static func load(yaml: String, file: String) -> Result<[RuleGroup], ConfigurationError> {
        let (root, problem) = YAMLWalker.compose(yaml, file: file)
        if let problem { return .failure(ConfigurationError(issues: [problem])) }
        let walker = YAMLWalker(file: file)
        let groups = parse(root, walker: walker)
        return walker.issues.isEmpty ? .success(groups) : .failure(ConfigurationError(issues: walker.issues))
    }

    /// The rule set shipped with Warden (prometheus/rules/warden.rules.yml, embedded).
    public static func defaultGroups() -> [RuleGroup] {
        guard case .success(let groups) = load(yaml: DefaultRules.text, file: "(built-in warden.rules.yml)") else { return [] }
        return groups
    }

    static func parse(_ root: Node?, walker: YAMLWalker) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        var groupNames = Set<String>()
        for (key, value) in walker.mapping(root, path: "", known: ["groups"]) where key == "groups" {
            for (index, groupNode) in walker.sequence(value, path: "groups").enumerated() {
                let path = "groups[\(index)]"
                var name: String?
                var interval: Int64?
                var rules: [Rule] = []
                for (field, node) in walker.mapping(groupNode, path: path, known: ["name", "interval", "rules", "limit", "query_offset"]) {
                    switch field {
                    case "name": name = walker.string(node, path: "\(path).name")
                    case "interval": interval = walker.duration(node, path: "\(path).interval")
                    case "rules":
                        for (ruleIndex, ruleNode) in walker.sequence(node, path: "\(path).rules").enumerated() {
                            if let rule = rule(ruleNode, path: "\(path).rules[\(ruleIndex)]", walker: walker) { rules.append(rule) }
                        }
                    case "limit", "query_offset":
                        walker.report("'\(field)' is not supported by Warden's evaluator", at: node, path: "\(path).\(field)")
                    default: break
                    }
                }
                guard let name, !name.isEmpty else {
                    walker.report("a rule group needs a name", at: groupNode, path: path)
                    continue
                }
                if !groupNames.insert(name).inserted {
                    walker.report("group name '\(name)' is repeated in this file", at: groupNode, path: "\(path).name")
                }
                groups.append(RuleGroup(name: name, file: walker.file, interval: interval, rules: rules))
            }
        }
        return groups
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names (colons allowed), without colons for labels.
    static func isValidName(_ name: String, colons: Bool) -> Bool {
        guard let first = name.unicodeScalars.first, !(first.properties.numericType != nil) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || colons && $0 == ":") }
    }

    static func rule(_ node: Node, path: String, walker: YAMLWalker) -> Rule? {
        let fields = Dictionary(walker.mapping(node, path: path, known: ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]),
                                uniquingKeysWith: { a, _ in a })
        let record = walker.string(fields["record"], path: "\(path).record")
        let alert = walker.string(fields["alert"], path: "\(path).alert")
        let name = record ?? alert ?? "?"
        let subject = record != nil ? "recording rule '\(name)'" : "alerting rule '\(name)'"
        switch (record, alert) {
        case (nil, nil):
            walker.report("a rule needs 'record' or 'alert'", at: node, path: path)
            return nil
        case (.some, .some):
            walker.report("a rule has either 'record' or 'alert', not both", at: node, path: path)
            return nil
        default: break
        }
        var expression: Expression?
        if let text = walker.string(fields["expr"], path: "\(path).expr"), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                expression = try Parser.parse(text)
                if expression?.type != .vector && expression?.type != .scalar {
                    walker.report("\(subject): expression must be an instant vector or scalar, found \(expression!.type.rawValue)", at: fields["expr"], path: "\(path).expr")
                }
            } catch {
                walker.report("\(subject): \(error)", at: fields["expr"], path: "\(path).expr")
            }
        } else {
            walker.report("\(subject): 'expr' is required", at: node, path: path)
        }
        var labels: [(String, Template)] = []
        for (key, value, valueNode) in walker.stringMap(fields["labels"], path: "\(path).labels") {
            if !isValidName(key, colons: false) || key.hasPrefix("__") {
                walker.report("\(subject): invalid label name '\(key)'", at: valueNode, path: "\(path).labels.\(key)")
            }
            do { labels.append((key, try Template(value))) } catch {
                walker.report("\(subject): \(error)", at: valueNode, path: "\(path).labels.\(key)")
            }
        }
        if let record {
            if !isValidName(record, colons: true) {
                walker.report("invalid recording rule name '\(record)'", at: fields["record"], path: "\(path).record")
            }
            for key in ["for", "keep_firing_for", "annotations"] where fields[key] != nil {
                walker.report("\(subject): '\(key)' is only for alerting rules", at: fields[key], path: "\(path).\(key)")
            }
            for (key, template) in labels where template.source.contains("{{") {
                walker.report("\(subject): templates are only expanded in alerting rules", at: fields["labels"], path: "\(path).labels.\(key)")
            }
            guard let expression else { return nil }
            return .recording(RecordingRule(name: record, expression: expression, source: walker.string(fields["expr"], path: "")!,
                                            labels: Dictionary(labels.map { ($0.0, $0.1.source) }, uniquingKeysWith: { a, _ in a })))
        }
        let alertName = alert!
        if !isValidName(alertName, colons: false) {
            walker.report("invalid alert name '\(alertName)'", at: fields["alert"], path: "\(path).alert")
        }
        var annotations: [(String, Template)] = []
        for (key, value, valueNode) in walker.stringMap(fields["annotations"], path: "\(path).annotations") {
            do { annotations.append((key, try Template(value))) } catch {
                walker.report("\(subject): \(error)", at: valueNode, path: "\(path).annotations.\(key)")
            }
        }
        let holdFor = walker.duration(fields["for"], path: "\(path).for") ?? 0
        let keepFiringFor = walker.duration(fields["keep_firing_for"], path: "\(path).keep_firing_for") ?? 0
        guard let expression else { return nil }
        return .alerting(AlertingRule(
            name: alertName, expression: expression, source: walker.string(fields["expr"], path: "")!, holdFor: holdFor,
            keepFiringFor: keepFiringFor, labels: labels, annotations: annotations))
    }
}
