import Foundation

/// A label matcher: `name="v"`, `!=`, `=~` or `!~`; regular expressions are anchored at both ends.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~"
    }

    public var name: String
    public var kind: Kind
    public var value: String
    private let regex: AnchoredRegex?

    public init(_ name: String, _ kind: Kind, _ value: String) throws(PromQLError) {
        self.name = name
        self.kind = kind
        self.value = value
        switch kind {
        case .equal, .notEqual: regex = nil
        case .regex, .notRegex:
            do {
                regex = try AnchoredRegex(value)
            } catch {
                throw PromQLError("invalid regular expression \"\(value)\" for label \(name)")
            }
        }
    }

    public func matches(_ candidate: String) -> Bool {
        switch kind {
        case .equal: candidate == value
        case .notEqual: candidate != value
        case .regex: regex!.matches(candidate)
        case .notRegex: !regex!.matches(candidate)
        }
    }

    /// Whether the matcher accepts the empty string, that is a series without the label.
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(kind.rawValue)\"\(Labels.escape(value))\"" }

    public static func == (a: LabelMatcher, b: LabelMatcher) -> Bool {
        (a.name, a.kind, a.value) == (b.name, b.kind, b.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(kind)
        hasher.combine(value)
    }
}

/// A regular expression matched against a whole value, as PromQL's `=~` does.
struct AnchoredRegex: Sendable {
    let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.dotMatchesLineSeparators])
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
