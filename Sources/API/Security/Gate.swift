import Accounts
import Foundation
import Hummingbird
import Logging

/// What stands in front of every route: the address's block, the caller's credential, the route's
/// role, the rate limit, and after a mutating call its audit entry.
struct Gate: Sendable {
    let services: APIServices
    let users: UserCache
    let lockout: Lockout
    let limiter: RateLimiter
    let loginLimiter: RateLimiter
    let metrics: APIMetrics
    let security = Logger(label: "warden.security")

    func wrap(_ route: APIRoute) -> @Sendable (Request, APIRequestContext) async throws -> Response {
        { request, context in
            var context = context
            let address = context.clientAddress
            if let seconds = lockout.blocked(address) {
                metrics.authFailed(reason: "blocked")
                throw APIError(
                    .forbidden, "blocked", "this address failed authentication too often; it is blocked for \(seconds) s more",
                    headers: [.retryAfter: String(seconds)])
            }
            context.principal = try await authenticate(request.headers[.authorization], address: address)
            if let needed = route.role {
                guard let principal = context.principal else { throw APIError.unauthenticated }
                guard principal.role.allows(needed) else {
                    security.notice("forbidden", metadata: ["actor": "\(principal.actor)", "role": "\(principal.role.rawValue)", "route": "\(route.method) \(route.path)", "from": "\(address)"])
                    throw APIError.forbidden(needed.rawValue)
                }
            }
            let bucket = route.limit == .login ? loginLimiter : limiter
            let key = route.limit == .login ? "ip:\(address)" : context.principal.map { "user:\($0.userID)" } ?? "ip:\(address)"
            if let retry = bucket.take(key) {
                throw APIError(.tooManyRequests, "rate_limited", "too many requests; try again in \(retry) s", headers: [.retryAfter: String(retry)])
            }
            guard route.mutates, let principal = context.principal else { return try await route.handler(request, context) }
            do {
                let response = try await route.handler(request, context)
                await audit(principal, route, request, address: address, result: "\(response.status.code)")
                return response
            } catch {
                let status = (error as? HTTPResponseError)?.status.code ?? 500
                await audit(principal, route, request, address: address, result: "\(status)")
                throw error
            }
        }
    }

    /// The caller behind `Authorization: Bearer …`, nil without the header; a credential that does
    /// not check out is a 401 and counts towards the address's lockout.
    func authenticate(_ authorization: String?, address: String) async throws -> Principal? {
        guard let header = authorization else { return nil }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            try await failed(address, reason: "bad_token", detail: "Authorization is not a Bearer token")
        }
        let credential = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        if credential.hasPrefix("wdn_") {
            guard let principal = try await services.accounts.authenticate(apiKey: credential) else {
                try await failed(address, reason: "bad_key", detail: "unknown, revoked or expired API key")
            }
            return principal
        }
        guard let id = await services.tokens.verify(credential), let user = try await users.user(id), !user.disabled else {
            try await failed(address, reason: "bad_token", detail: "invalid or expired access token")
        }
        return Principal(userID: user.id, name: user.name, role: user.role, credential: .accessToken)
    }

    /// Counts a failed authentication against the address, logs and audits it, and answers 401.
    func failed(_ address: String, reason: String, detail: String, actor: String = "anonymous") async throws -> Never {
        metrics.authFailed(reason: reason)
        let blocks = lockout.fail(address)
        security.warning("authentication failed", metadata: ["reason": "\(reason)", "from": "\(address)", "actor": "\(actor)"])
        await record(AuditRecord(actor: actor, action: "auth.failure", target: "address:\(address)", detail: "\(reason): \(detail)"))
        if blocks {
            security.error("address blocked after repeated authentication failures", metadata: ["from": "\(address)", "for_seconds": "\(lockout.block / 1000)"])
            await record(AuditRecord(actor: "api", action: "auth.block", target: "address:\(address)", detail: "\(lockout.failures) failures within \(lockout.window / 1000) s"))
        }
        throw APIError(.unauthorized, "unauthenticated", detail, headers: [.wwwAuthenticate: "Bearer realm=\"warden\", error=\"invalid_token\""])
    }

    func audit(_ principal: Principal, _ route: APIRoute, _ request: Request, address: String, result: String) async {
        let target = request.uri.path.hasPrefix("/api/v1") ? String(request.uri.path.dropFirst(7)) : request.uri.path
        Logger(label: "warden.audit").notice("api call", metadata: [
            "actor": "\(principal.actor)", "role": "\(principal.role.rawValue)", "route": "\(route.method) \(route.path)", "from": "\(address)", "result": "\(result)",
        ])
        await record(AuditRecord(
            actor: principal.actor, action: "api.\(route.method.rawValue.lowercased())", target: "api:\(target)",
            detail: "role \(principal.role.rawValue), from \(address), result \(result)"))
    }

    /// The audit log must not stop an answer: a write that fails is logged instead.
    func record(_ entry: AuditRecord) async {
        do {
            try await services.accounts.audit(entry)
        } catch {
            security.error("audit entry not written", metadata: ["action": "\(entry.action)", "error": "\(error)"])
        }
    }
}
