/// An exchange id as BingX sends it: a 19-digit number (or sometimes a string). Kept as text,
/// never through a Double, which would round anything above 2^53.
public struct BingXID: Sendable, Hashable, Decodable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else if let number = try? container.decode(UInt64.self) {
            value = String(number)
        } else {
            value = try container.decode(String.self)
        }
    }

    public var description: String { value }
}
