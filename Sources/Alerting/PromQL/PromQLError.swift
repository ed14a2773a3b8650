/// A PromQL expression that cannot be parsed, is outside Warden's subset, or fails to evaluate.
public struct PromQLError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    /// Character offset in the expression, when known.
    public var position: Int?

    public init(_ message: String, at position: Int? = nil) {
        self.message = message
        self.position = position
    }

    public var description: String {
        position.map { "\(message) (at character \($0 + 1))" } ?? message
    }
}
