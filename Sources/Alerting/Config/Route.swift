/// A node of the routing tree, as Alertmanager's `route:`. Children inherit what they do not set.
public struct Route: Sendable {
    public var receiver: String
    public var matchers: [LabelMatcher]
    public var continueMatching: Bool
    /// nil groups by every label (`group_by: ['...']`).
    public var groupBy: [String]?
    public var groupWait: Int64
    public var groupInterval: Int64
    public var repeatInterval: Int64
    public var muteTimeIntervals: [String]
    public var activeTimeIntervals: [String]
    public var routes: [Route]
    /// A stable identity for the node (its position in the tree), part of every group key.
    public var id: String
    /// Warden's addition to Alertmanager's schema: receivers to fail over to, in order, once the
    /// `notifications-failing` procedure (or `warden notify failover`) finds this route's receiver
    /// failing. Inherited by child routes that do not set it.
    public var failover: [String] = []

    public func matches(_ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// The routes an alert goes to: the deepest matching nodes, depth first, siblings after a
    /// match only when it says `continue: true`; the node itself when no child matches.
    public func match(_ labels: Labels) -> [Route] {
        var result: [Route] = []
        for child in routes where child.matches(labels) {
            result += child.match(labels)
            if !child.continueMatching { break }
        }
        return result.isEmpty ? [self] : result
    }

    /// Every node of the tree, depth first.
    public var all: [Route] { [self] + routes.flatMap(\.all) }

    /// The node whose group keys start with `id` (a notification's `groupKey` names its route).
    public func node(forGroupKey key: String) -> Route? {
        all.filter { key.hasPrefix($0.id + ":") }.max { $0.id.count < $1.id.count }
    }

    /// The labels an alert is grouped by on this route.
    public func groupLabels(_ labels: Labels) -> Labels {
        guard let groupBy else { return labels }
        return labels.keeping(Set(groupBy))
    }

    /// Alertmanager's group key: the route's matchers path and the group labels.
    public func groupKey(_ labels: Labels) -> String {
        "\(id):\(groupLabels(labels).description)"
    }
}

/// `inhibit_rules`: a firing source alert mutes target alerts that agree on the `equal` labels.
public struct InhibitRule: Sendable {
    public var sourceMatchers: [LabelMatcher]
    public var targetMatchers: [LabelMatcher]
    public var equal: [String]
}

/// Alertmanager's matcher text: `name="value"`, `name=~"re"`, unquoted values allowed.
enum MatcherText {
    static func parse(_ text: String) throws(PromQLError) -> LabelMatcher {
        var body = text.trimmingCharacters(in: .whitespaces)
        if body.hasPrefix("{") && body.hasSuffix("}") { body = String(body.dropFirst().dropLast()) }
        guard let nameEnd = body.firstIndex(where: { "=!~".contains($0) }) else {
            throw PromQLError("invalid matcher \"\(text)\": expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"")
        }
        let name = body[..<nameEnd].trimmingCharacters(in: .whitespaces)
        var rest = body[nameEnd...]
        let kind: LabelMatcher.Kind
        if rest.hasPrefix("=~") { kind = .regex } else if rest.hasPrefix("!~") { kind = .notRegex } else if rest.hasPrefix("!=") { kind = .notEqual } else if rest.hasPrefix("=") { kind = .equal } else {
            throw PromQLError("invalid matcher \"\(text)\": unknown operator")
        }
        rest = rest.dropFirst(kind.rawValue.count)
        var value = rest.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("\"") {
            guard value.count >= 2, value.hasSuffix("\"") else { throw PromQLError("invalid matcher \"\(text)\": unterminated quoted value") }
            value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
        }
        guard !name.isEmpty, RuleFile.isValidName(name, colons: false) else {
            throw PromQLError("invalid matcher \"\(text)\": bad label name \"\(name)\"")
        }
        return try LabelMatcher(name, kind, value)
    }
}
