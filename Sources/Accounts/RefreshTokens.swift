import Foundation
import Logging
import Storage

/// What presenting a refresh token led to.
public enum RefreshOutcome: Sendable, Equatable {
    /// The token was current: here is the user and the token that replaces it (same family).
    case rotated(UserRecord, token: String)
    /// The token had already been used: someone holds a copy, so its whole family is revoked.
    case reused
    /// Unknown, expired, revoked, or its user is disabled.
    case invalid
}

extension AccountStore {
    static let insertRefresh = SharedSQL("""
        INSERT INTO refresh_tokens (token_hash, family, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)
        """)
    /// One statement marks the token used, so two requests racing with the same token cannot both rotate it.
    static let claimRefresh = SharedSQL("""
        UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
        RETURNING family, user_id{::text}, expires_at{::text}
        """)
    static let findRefresh = SharedSQL("SELECT family, used_at{::text}, revoked_at{::text} FROM refresh_tokens WHERE token_hash = ?")
    static let revokeFamily = SharedSQL("UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL")

    /// A new token in a new family (a login), valid for `lifetime` milliseconds.
    public func issueRefreshToken(for user: UserRecord, lifetime: Int64) async throws -> String {
        try await issue(for: user.id, family: UUID().uuidString.lowercased(), expiresAt: now() + lifetime)
    }

    /// Rotates a token: the old one is spent, a new one in its family is issued with the family's
    /// original expiry (rotation never extends a login past its lifetime).
    public func rotate(refreshToken token: String) async throws -> RefreshOutcome {
        let at = now()
        let hash = Secrets.digest(token)
        if let claimed = try await handle.writeReturningRows(Self.claimRefresh, [.integer(at), .text(hash), .integer(at)], logger: logger).first,
           claimed.count == 3, let family = claimed[0], let userID = claimed[1].flatMap(Int64.init), let expires = claimed[2].flatMap(Int64.init) {
            guard let user = try await user(id: userID), !user.disabled else { return .invalid }
            return .rotated(user, token: try await issue(for: userID, family: family, expiresAt: expires))
        }
        guard let row = try await handle.textRows(Self.findRefresh, [.text(hash)], logger: logger).first, row.count == 3, let family = row[0] else {
            return .invalid
        }
        guard row[1] != nil, row[2] == nil else { return .invalid }
        try await handle.execute([
            BoundStatement(Self.revokeFamily, [.integer(at), .text(family)]),
            BoundStatement(Self.audit, [.integer(at), .text("api"), .text("auth.refresh_reuse"), .text("token_family:\(family)"), .text("a spent refresh token was presented; its family is revoked")]),
        ], logger: logger)
        Logger(label: "warden.security").warning("refresh token reused; its family is revoked", metadata: ["family": "\(family)"])
        return .reused
    }

    /// Revokes the family of `token` (logout); false when the token is unknown.
    @discardableResult
    public func revokeFamily(of token: String, actor: String) async throws -> Bool {
        guard let row = try await handle.textRows(Self.findRefresh, [.text(Secrets.digest(token))], logger: logger).first, let family = row.first ?? nil else {
            return false
        }
        let at = now()
        try await handle.execute([
            BoundStatement(Self.revokeFamily, [.integer(at), .text(family)]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("auth.logout"), .text("token_family:\(family)"), .null]),
        ], logger: logger)
        return true
    }

    private func issue(for userID: Int64, family: String, expiresAt: Int64) async throws -> String {
        let token = "wdr_" + Secrets.random()
        try await handle.execute([
            BoundStatement(Self.insertRefresh, [.text(Secrets.digest(token)), .text(family), .integer(userID), .integer(now()), .integer(expiresAt)]),
        ], logger: logger)
        return token
    }
}
