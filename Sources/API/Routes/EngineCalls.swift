import WardenCore

/// A call to the engine or the supervisor, its failure as the API's error: not there is a 503
/// (the caller may retry), a refusal keeps the peer's words.
func peerCall<T: Sendable>(_ peer: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as WardenError {
        if error.code == .unavailable {
            throw APIError(.serviceUnavailable, "\(peer)_unavailable", "the \(peer) is not answering: \(error.message)", headers: [.retryAfter: "5"])
        }
        if error.code == .usage { throw APIError(.conflict, "refused", error.message) }
        throw APIError(.badGateway, "\(peer)_failed", error.message)
    }
}
