import Foundation
import Storage

/// An API key as listed: never its secret, which is shown once when it is made.
public struct APIKeyRecord: Sendable, Hashable, Codable {
    public var prefix: String
    public var name: String
    public var owner: String
    public var role: Role
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
    public var lastUsedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case prefix, name, owner, role
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case lastUsedAt = "last_used_at"
    }

    public func active(at time: Int64) -> Bool { revokedAt == nil && (expiresAt.map { $0 > time } ?? true) }
}

extension AccountStore {
    static let insertKey = SharedSQL("""
        INSERT INTO api_keys (user_id, prefix, key_hash, created_at, expires_at, name, role) VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    static let selectKeys = SharedSQL("""
        SELECT k.prefix, k.name, u.name, k.role, k.created_at{::text}, k.expires_at{::text}, k.revoked_at{::text}, k.last_used_at{::text},
               k.key_hash, u.id{::text}, u.role, u.disabled_at{::text}
        FROM api_keys k JOIN users u ON u.id = k.user_id
        """)
    static let revokeKey = SharedSQL("UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL")
    static let touchKey = SharedSQL("UPDATE api_keys SET last_used_at = ? WHERE prefix = ?")

    /// The key's text (`wdn_PREFIX_SECRET`), to be shown once, and its record. Its role may not
    /// exceed its owner's; an expiry, when given, is in the future.
    public func createKey(owner: String, name: String, role: Role, expiresAt: Int64?, actor: String) async throws -> (key: String, record: APIKeyRecord) {
        guard let user = try await user(named: owner), !user.disabled else { throw AccountError.unknownUser(owner) }
        guard role <= user.role else { throw AccountError.roleAboveOwner(key: role, owner: user.role) }
        let at = now()
        if let expiresAt, expiresAt <= at { throw AccountError.invalidExpiry("the expiry is in the past") }
        let prefix = String(Secrets.random(bytes: 6).filter { $0.isLetter || $0.isNumber }.prefix(8)).lowercased()
        let key = "wdn_\(prefix)_\(Secrets.random())"
        try await handle.execute([
            BoundStatement(Self.insertKey, [
                .integer(user.id), .text(prefix), .text(Secrets.digest(key)), .integer(at), expiresAt.map(SQLValue.integer) ?? .null, .text(name), .text(role.rawValue),
            ]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("apikey.create"), .text("apikey:\(prefix)"), .text("owner \(owner), role \(role.rawValue)")]),
        ], logger: logger)
        auditLog("apikey.create", actor: actor, target: prefix, ["owner": owner, "role": role.rawValue])
        let record = APIKeyRecord(prefix: prefix, name: name, owner: owner, role: role, createdAt: at, expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil)
        return (key, record)
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await handle.textRows(SharedSQL(Self.selectKeys.template + " ORDER BY k.created_at, k.prefix"), logger: logger).compactMap { Self.decodeKey($0)?.record }
    }

    public func revokeKey(prefix: String, actor: String) async throws {
        let found = try await handle.textRows(SharedSQL(Self.selectKeys.template + " WHERE k.prefix = ?"), [.text(prefix)], logger: logger)
        guard !found.isEmpty else { throw AccountError.unknownKey(prefix) }
        let at = now()
        try await handle.execute([
            BoundStatement(Self.revokeKey, [.integer(at), .text(prefix)]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("apikey.revoke"), .text("apikey:\(prefix)"), .null]),
        ], logger: logger)
        auditLog("apikey.revoke", actor: actor, target: prefix)
    }

    /// The caller a key stands for, or nil when it is unknown, wrong, revoked, expired, or its owner
    /// is disabled. The role is the lower of the key's and its owner's current one.
    public func authenticate(apiKey: String) async throws -> Principal? {
        let parts = apiKey.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0] == "wdn" else { return nil }
        let prefix = String(parts[1])
        guard let row = try await handle.textRows(SharedSQL(Self.selectKeys.template + " WHERE k.prefix = ?"), [.text(prefix)], logger: logger).first,
              let decoded = Self.decodeKey(row)
        else { return nil }
        let at = now()
        guard Secrets.equal(decoded.hash, Secrets.digest(apiKey)), decoded.record.active(at: at), !decoded.ownerDisabled else { return nil }
        // Last use to the minute: enough to tell a live key from a forgotten one without a write per call.
        if (decoded.record.lastUsedAt ?? 0) < at - 60_000 {
            try? await handle.execute([BoundStatement(Self.touchKey, [.integer(at), .text(prefix)])], logger: logger)
        }
        return Principal(userID: decoded.ownerID, name: decoded.record.owner, role: min(decoded.record.role, decoded.ownerRole), credential: .apiKey(prefix: prefix))
    }

    static func decodeKey(_ row: [String?]) -> (record: APIKeyRecord, hash: String, ownerID: Int64, ownerRole: Role, ownerDisabled: Bool)? {
        guard row.count == 12, let prefix = row[0], let name = row[1], let owner = row[2], let role = row[3].flatMap(Role.init(rawValue:)),
              let created = row[4].flatMap(Int64.init), let hash = row[8], let ownerID = row[9].flatMap(Int64.init),
              let ownerRole = row[10].flatMap(Role.init(rawValue:))
        else { return nil }
        let record = APIKeyRecord(
            prefix: prefix, name: name, owner: owner, role: role, createdAt: created, expiresAt: row[5].flatMap(Int64.init),
            revokedAt: row[6].flatMap(Int64.init), lastUsedAt: row[7].flatMap(Int64.init))
        return (record, hash, ownerID, ownerRole, row[11] != nil)
    }
}
