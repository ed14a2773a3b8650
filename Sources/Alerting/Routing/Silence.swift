/// A silence: alerts matching every matcher are not notified between its start and end.
public struct Silence: Sendable, Codable, Equatable {
    public var id: String
    public var matchers: [String]
    public var startsAt: Int64
    public var endsAt: Int64
    public var createdBy: String
    public var comment: String

    public init(id: String, matchers: [String], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
    }

    public func isActive(at time: Int64) -> Bool { startsAt <= time && time < endsAt }

    public func mutes(_ labels: Labels) -> Bool {
        let parsed = matchers.compactMap { try? MatcherText.parse($0) }
        return parsed.count == matchers.count && parsed.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// Checks matcher text as `warden silence add` takes it.
    public static func validate(_ matcher: String) throws(PromQLError) -> LabelMatcher {
        try MatcherText.parse(matcher)
    }
}
