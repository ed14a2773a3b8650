import Accounts
import Foundation
import Hummingbird
import WardenCore

/// Login, refresh, logout, me; users and API keys (admin).
enum AuthRoutes {
    struct Login: Decodable {
        var username: String
        var password: String
    }

    struct Refresh: Decodable {
        var refreshToken: String
        enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
    }

    struct Tokens: Encodable {
        var accessToken: String
        var refreshToken: String
        var tokenType = "bearer"
        var expiresIn: Int64
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type", expiresIn = "expires_in"
        }
    }

    struct Me: Encodable {
        var id: Int64
        var name: String
        var role: Role
        var credential: String
    }

    struct NewUser: Decodable {
        var name: String
        var password: String
        var role: Role
    }

    struct NewKey: Decodable {
        var name: String
        var role: Role
        /// Absent: the key never expires.
        var expiresInDays: Int?
        enum CodingKeys: String, CodingKey {
            case name, role
            case expiresInDays = "expires_in_days"
        }
    }

    struct CreatedKey: Encodable {
        var key: String
        var record: APIKeyRecord
    }

    struct Done: Encodable {
        var ok = true
        var message: String
    }

    static func routes(_ services: APIServices, gate: Gate) -> [APIRoute] {
        let accounts = services.accounts
        @Sendable func tokens(for user: UserRecord) async throws -> Tokens {
            Tokens(
                accessToken: try await services.tokens.issue(for: user),
                refreshToken: try await accounts.issueRefreshToken(for: user, lifetime: services.settings.refreshTokenTTL.milliseconds),
                expiresIn: services.tokens.lifetime / 1000)
        }
        return [
            APIRoute(.post, "/auth/login", role: nil, limit: .login) { request, context in
                let login = try await request.decode(as: Login.self, context: context)
                guard let user = try await accounts.verify(name: login.username, password: login.password) else {
                    try await gate.failed(context.clientAddress, reason: "bad_password", detail: "wrong user name or password", actor: login.username)
                }
                await gate.record(AuditRecord(actor: user.name, action: "auth.login", target: "user:\(user.name)", detail: "from \(context.clientAddress)"))
                return try JSON.response(try await tokens(for: user))
            },
            APIRoute(.post, "/auth/refresh", role: nil, limit: .login) { request, context in
                let refresh = try await request.decode(as: Refresh.self, context: context)
                switch try await accounts.rotate(refreshToken: refresh.refreshToken) {
                case .rotated(let user, let token):
                    return try JSON.response(Tokens(accessToken: try await services.tokens.issue(for: user), refreshToken: token, expiresIn: services.tokens.lifetime / 1000))
                case .reused:
                    gate.metrics.authFailed(reason: "refresh_reuse")
                    try await gate.failed(context.clientAddress, reason: "bad_token", detail: "this refresh token was already used; every session from its login is ended")
                case .invalid:
                    try await gate.failed(context.clientAddress, reason: "bad_token", detail: "unknown, expired or revoked refresh token")
                }
            },
            APIRoute(.post, "/auth/logout", role: .viewer) { request, context in
                let refresh = try await request.decode(as: Refresh.self, context: context)
                guard try await accounts.revokeFamily(of: refresh.refreshToken, actor: try context.caller.actor) else {
                    throw APIError.notFound("unknown refresh token")
                }
                return try JSON.response(Done(message: "logged out: the refresh token and every one rotated from the same login are revoked"))
            },
            APIRoute(.get, "/auth/me", role: .viewer) { _, context in
                let caller = try context.caller
                let credential = switch caller.credential {
                case .accessToken: "access_token"
                case .apiKey(let prefix): "api_key:\(prefix)"
                }
                return try JSON.response(Me(id: caller.userID, name: caller.name, role: caller.role, credential: credential))
            },
            APIRoute(.get, "/users", role: .admin) { _, _ in try JSON.response(try await accounts.users()) },
            APIRoute(.post, "/users", role: .admin) { request, context in
                let new = try await request.decode(as: NewUser.self, context: context)
                return try JSON.response(try await refusing { try await accounts.addUser(name: new.name, password: new.password, role: new.role, actor: try context.caller.actor) }, status: .created)
            },
            APIRoute(.post, "/users/{name}/disable", role: .admin) { _, context in
                let name = try context.parameter("name")
                guard name != (try context.caller.name) else { throw APIError(.conflict, "conflict", "you cannot disable yourself; another admin can") }
                try await refusing { try await accounts.disable(name: name, actor: try context.caller.actor) }
                if let user = try await accounts.user(named: name) { gate.users.forget(user.id) }
                return try JSON.response(Done(message: "\(name) is disabled; their sessions and API keys are revoked"))
            },
            APIRoute(.get, "/keys", role: .admin) { _, _ in try JSON.response(try await accounts.keys()) },
            APIRoute(.post, "/keys", role: .admin) { request, context in
                let new = try await request.decode(as: NewKey.self, context: context)
                let caller = try context.caller
                if let days = new.expiresInDays, !(1...3650).contains(days) { throw APIError.invalid("expires_in_days", "expires_in_days must be between 1 and 3650") }
                let expires = new.expiresInDays.map { services.now() + Int64($0) * 86_400_000 }
                let made = try await refusing { try await accounts.createKey(owner: caller.name, name: new.name, role: new.role, expiresAt: expires, actor: caller.actor) }
                return try JSON.response(CreatedKey(key: made.key, record: made.record), status: .created)
            },
            APIRoute(.delete, "/keys/{prefix}", role: .admin) { _, context in
                let prefix = try context.parameter("prefix")
                try await refusing { try await accounts.revokeKey(prefix: prefix, actor: try context.caller.actor) }
                return try JSON.response(Done(message: "key \(prefix) is revoked"))
            },
        ]
    }

    /// An account refusal as the API's error, with the field it concerns.
    @discardableResult
    static func refusing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AccountError {
            switch error {
            case .invalidName: throw APIError.invalid("name", error.description)
            case .weakPassword: throw APIError.invalid("password", error.description)
            case .duplicateUser: throw APIError(.conflict, "conflict", error.description, field: "name")
            case .unknownUser, .unknownKey: throw APIError.notFound(error.description)
            case .invalidExpiry: throw APIError.invalid("expires_in_days", error.description)
            case .roleAboveOwner: throw APIError.invalid("role", error.description)
            }
        }
    }
}
