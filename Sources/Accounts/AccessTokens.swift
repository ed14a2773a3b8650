import Foundation
import JWTKit

/// The claims of an access token: who (subject = user id), the name for logs, when it ends.
/// The role is not trusted from the token: it is read from the user's current row, so demoting or
/// disabling someone takes effect on their next request, not when the token runs out.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var name: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim

    /// Expiry is checked by `AccessTokens` against its own clock (tests move it).
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Signs and checks access tokens: HS256 JWTs (RFC 7519) under one HMAC key.
public struct AccessTokens: Sendable {
    let keys: JWTKeyCollection
    /// Milliseconds.
    public let lifetime: Int64
    let now: @Sendable () -> Int64
    static let issuer = "warden"

    public init(signingKey: some DataProtocol, lifetime: Int64, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: signingKey), digestAlgorithm: .sha256)
        self.lifetime = lifetime
        self.now = now
    }

    public func issue(for user: UserRecord) async throws -> String {
        let at = now()
        return try await keys.sign(AccessClaims(
            sub: SubjectClaim(value: String(user.id)), name: user.name, iat: IssuedAtClaim(value: Self.date(at)),
            exp: ExpirationClaim(value: Self.date(at + lifetime)), iss: IssuerClaim(value: Self.issuer)))
    }

    /// The user id of a valid, unexpired token signed with this key; nil otherwise.
    public func verify(_ token: String) async -> Int64? {
        guard let claims = try? await keys.verify(token, as: AccessClaims.self), claims.iss.value == Self.issuer else { return nil }
        guard (try? claims.exp.verifyNotExpired(currentDate: Self.date(now()))) != nil else { return nil }
        return Int64(claims.sub.value)
    }

    /// Whole seconds: RFC 7519's NumericDate, as every JWT library reads it.
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds / 1000)) }
}
