/// A string setting that may be written in clear or as a secret reference (`${env:NAME}`,
/// `${file:PATH}`, `${credential:NAME}`). A resolved secret never prints its value.
public struct ConfigText: Hashable, Sendable, Decodable, CustomStringConvertible, ConfigExpectation {
    public let value: String
    /// The reference it came from, when it was one.
    public let reference: SecretResolver.Reference?

    public init(_ value: String, reference: SecretResolver.Reference? = nil) {
        self.value = value
        self.reference = reference
    }

    static let expectation = "a string or a secret reference like ${env:NAME}"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let reference = SecretResolver.Reference(parsing: text) else {
            self.init(text)
            return
        }
        guard let collector = decoder.userInfo[.configIssues] as? ConfigIssueCollector else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no secret resolver"))
        }
        switch collector.secrets.resolve(reference) {
        case .success(let value):
            self.init(value, reference: reference)
        case .failure(let error):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public var description: String { reference.map { "<secret \($0)>" } ?? value }
}
