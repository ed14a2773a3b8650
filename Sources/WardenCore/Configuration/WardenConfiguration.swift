import Logging

/// Everything `warden.yml` can say. Every key has a default, so an empty or absent file is valid.
public struct WardenConfiguration: Sendable, Hashable, Decodable {
    public var supervisor: SupervisorSettings
    public var logging: LoggingSettings
    public var children: [ChildSpec]

    public init(
        supervisor: SupervisorSettings = SupervisorSettings(), logging: LoggingSettings = LoggingSettings(),
        children: [ChildSpec] = ChildSpec.defaults
    ) {
        self.supervisor = supervisor
        self.logging = logging
        self.children = children
    }

    static let keys = ["supervisor", "logging", "children"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            supervisor: fields.read("supervisor", default: SupervisorSettings()),
            logging: fields.read("logging", default: LoggingSettings()),
            children: fields.read("children", default: ChildSpec.defaults))
        validateChildren(fields)
    }

    private func validateChildren(_ fields: SectionReader) {
        var seen = Set<String>()
        for (index, child) in children.enumerated() where !child.name.isEmpty {
            let at = "children[\(index)]"
            if child.name.range(of: "^[a-z0-9][a-z0-9_-]{0,62}$", options: .regularExpression) == nil {
                fields.collector.report(
                    "'\(child.name)' is not a valid child name: use lower-case letters, digits, '-' and '_' (at most 63)",
                    at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("name")])
            }
            if !seen.insert(child.name).inserted {
                fields.collector.report(
                    "duplicate child name '\(child.name)'",
                    at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("name")])
            }
            for dependency in child.dependsOn where !children.contains(where: { $0.name == dependency }) {
                var message = "\(at) depends on '\(dependency)', which is not a configured child"
                if let guess = DidYouMean.suggestion(for: dependency, among: children.map(\.name)) {
                    message += "; did you mean '\(guess)'?"
                }
                fields.collector.report(
                    message, at: fields.path + [ConfigKey("children"), ConfigKey(intValue: index)!, ConfigKey("depends_on")])
            }
        }
        if let cycle = DependencyOrder.cycle(in: children) {
            fields.collector.report(
                "dependency cycle: \(cycle.joined(separator: " → "))", at: fields.path + [ConfigKey("children")])
        }
    }
}

/// Log output settings, under `logging:`.
public struct LoggingSettings: Sendable, Hashable, Decodable {
    public var level: Logger.Level

    public init(level: Logger.Level = .info) { self.level = level }

    static let keys = ["level"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let text: String = fields.read("level", default: "info")
        let levels = Logger.Level.allCases.map(\.rawValue)
        if let level = Logger.Level(rawValue: text) {
            self.init(level: level)
        } else {
            fields.problem("expected one of \(levels.joined(separator: ", ")), found '\(text)'", at: "level")
            self.init()
        }
    }
}
