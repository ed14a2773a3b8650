import Crypto
import Foundation
import HummingbirdBcrypt
import Logging
import Storage

/// A user as the API and `warden user list` show it (never the hash).
public struct UserRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var role: Role
    public var createdAt: Int64
    public var disabledAt: Int64?

    public var disabled: Bool { disabledAt != nil }

    enum CodingKeys: String, CodingKey {
        case id, name, role, disabled
        case createdAt = "created_at"
        case disabledAt = "disabled_at"
    }

    public init(id: Int64, name: String, role: Role, createdAt: Int64, disabledAt: Int64?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(Int64.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
            role: try container.decode(Role.self, forKey: .role), createdAt: try container.decode(Int64.self, forKey: .createdAt),
            disabledAt: try container.decodeIfPresent(Int64.self, forKey: .disabledAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(disabled, forKey: .disabled)
        try container.encode(disabledAt, forKey: .disabledAt)
    }
}

/// `users`, `api_keys` and `refresh_tokens` on either engine; every change also goes to the audit
/// log in the same transaction, and to the `audit` log category.
public struct AccountStore: Sendable {
    public var handle: DatabaseHandle
    public var logger: Logger
    /// Milliseconds since the epoch (injected by tests).
    public var now: @Sendable () -> Int64
    /// bcrypt's cost: 12 (about a quarter of a second here) unless a test asks for less.
    public var bcryptCost: UInt8

    public init(
        handle: DatabaseHandle, logger: Logger, bcryptCost: UInt8 = 12,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.handle = handle
        self.logger = logger
        self.bcryptCost = bcryptCost
        self.now = now
    }

    static let insertUser = SharedSQL("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)")
    static let selectUsers = SharedSQL("SELECT id{::text}, name, role, created_at{::text}, disabled_at{::text}, password_hash FROM users")
    static let setPassword = SharedSQL("UPDATE users SET password_hash = ? WHERE name = ?")
    static let disableUser = SharedSQL("UPDATE users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL")
    static let revokeUserTokens = SharedSQL("UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
    static let revokeUserKeys = SharedSQL("UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
    static let audit = SharedSQL("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")

    /// Validates a name: what the audit log and the CLI can show without quoting (ASCII letters,
    /// digits, `._@-`, starting with a letter or digit, at most 64).
    public static func validName(_ name: String) -> Bool {
        func plain(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
        guard let first = name.unicodeScalars.first, plain(first), name.unicodeScalars.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { plain($0) || "._@-".unicodeScalars.contains($0) }
    }

    /// Length is what makes a password strong (NIST SP 800-63B): at least 12 characters (counted
    /// as JSON Schema counts them, by code point), at most 1024; no composition rules.
    public static func checkPassword(_ password: String) throws {
        if password.unicodeScalars.count < 12 { throw AccountError.weakPassword("use at least 12 characters") }
        if password.unicodeScalars.count > 1024 { throw AccountError.weakPassword("use at most 1024 characters") }
    }

    /// What bcrypt is given: bcrypt reads only 72 bytes, so a longer password is first reduced to
    /// its SHA-256 (so that its whole length counts, and two passwords sharing 72 bytes differ).
    static func bcryptInput(_ password: String) -> String {
        password.utf8.count <= 72 ? password : "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    @discardableResult
    public func addUser(name: String, password: String, role: Role, actor: String) async throws -> UserRecord {
        guard Self.validName(name) else { throw AccountError.invalidName(name) }
        try Self.checkPassword(password)
        if try await row(named: name) != nil { throw AccountError.duplicateUser(name) }
        let hash = Bcrypt.hash(Self.bcryptInput(password), cost: bcryptCost)
        let at = now()
        try await handle.execute([
            BoundStatement(Self.insertUser, [.text(name), .text(hash), .text(role.rawValue), .integer(at)]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("user.add"), .text("user:\(name)"), .text("role \(role.rawValue)")]),
        ], logger: logger)
        auditLog("user.add", actor: actor, target: name, ["role": role.rawValue])
        guard let made = try await user(named: name) else { throw AccountError.unknownUser(name) }
        return made
    }

    public func setPassword(name: String, password: String, actor: String) async throws {
        try Self.checkPassword(password)
        guard let user = try await user(named: name) else { throw AccountError.unknownUser(name) }
        let at = now()
        // A new password ends every session the old one opened.
        try await handle.execute([
            BoundStatement(Self.setPassword, [.text(Bcrypt.hash(Self.bcryptInput(password), cost: bcryptCost)), .text(name)]),
            BoundStatement(Self.revokeUserTokens, [.integer(at), .integer(user.id)]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("user.passwd"), .text("user:\(name)"), .null]),
        ], logger: logger)
        auditLog("user.passwd", actor: actor, target: name)
    }

    /// Disables the user, revoking their refresh tokens and API keys at once; the row stays so the
    /// audit log keeps its names.
    public func disable(name: String, actor: String) async throws {
        guard let user = try await user(named: name) else { throw AccountError.unknownUser(name) }
        let at = now()
        try await handle.execute([
            BoundStatement(Self.disableUser, [.integer(at), .text(name)]),
            BoundStatement(Self.revokeUserTokens, [.integer(at), .integer(user.id)]),
            BoundStatement(Self.revokeUserKeys, [.integer(at), .integer(user.id)]),
            BoundStatement(Self.audit, [.integer(at), .text(actor), .text("user.disable"), .text("user:\(name)"), .null]),
        ], logger: logger)
        auditLog("user.disable", actor: actor, target: name)
    }

    public func users() async throws -> [UserRecord] {
        try await handle.textRows(SharedSQL(Self.selectUsers.template + " ORDER BY name"), logger: logger).compactMap { Self.decode($0)?.user }
    }

    public func user(named name: String) async throws -> UserRecord? { try await row(named: name)?.user }

    public func user(id: Int64) async throws -> UserRecord? {
        try await handle.textRows(SharedSQL(Self.selectUsers.template + " WHERE id = ?"), [.integer(id)], logger: logger).first.flatMap { Self.decode($0)?.user }
    }

    /// Whether anyone could log in yet (`make run` prints how to make the first admin when not).
    public func hasUsers() async throws -> Bool { try await !users().isEmpty }

    /// The user when the password is theirs and they are not disabled. Unknown names cost a bcrypt
    /// check too, so the answer's timing does not tell which names exist.
    public func verify(name: String, password: String) async throws -> UserRecord? {
        guard let found = try await row(named: name) else {
            _ = Bcrypt.hash(Self.bcryptInput(password), cost: bcryptCost)
            return nil
        }
        guard Bcrypt.verify(Self.bcryptInput(password), hash: found.hash), !found.user.disabled else { return nil }
        return found.user
    }

    private func row(named name: String) async throws -> (user: UserRecord, hash: String)? {
        try await handle.textRows(SharedSQL(Self.selectUsers.template + " WHERE name = ?"), [.text(name)], logger: logger).first.flatMap(Self.decode)
    }

    static func decode(_ row: [String?]) -> (user: UserRecord, hash: String)? {
        guard row.count == 6, let id = row[0].flatMap(Int64.init), let name = row[1], let role = row[2].flatMap(Role.init(rawValue:)),
              let created = row[3].flatMap(Int64.init), let hash = row[5]
        else { return nil }
        return (UserRecord(id: id, name: name, role: role, createdAt: created, disabledAt: row[4].flatMap(Int64.init)), hash)
    }

    func auditLog(_ action: String, actor: String, target: String, _ extra: [String: String] = [:]) {
        var metadata: Logger.Metadata = ["actor": "\(actor)", "target": "\(target)"]
        for (key, value) in extra { metadata[key] = "\(value)" }
        Logger(label: "warden.audit").notice("\(action)", metadata: metadata)
    }
}

/// One line of the audit log.
public struct AuditRecord: Sendable {
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String?

    public init(actor: String, action: String, target: String, detail: String? = nil) {
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

extension AccountStore {
    /// Writes an entry of the API's (a call, a login, a failure) to the audit log.
    public func audit(_ entry: AuditRecord) async throws {
        try await handle.execute([
            BoundStatement(Self.audit, [.integer(now()), .text(entry.actor), .text(entry.action), .text(entry.target), entry.detail.map(SQLValue.text) ?? .null]),
        ], logger: logger)
    }
}
