import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Telemetry
import Testing
import WardenCore
@testable import API

@Suite("Headers, limits, lockout and errors")
struct SecurityTests {
    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await APIFixture.with { _, client in
            for response in [try await client.call(.get, "/openapi.json"), try await client.call(.get, "/auth/me"), try await client.call(.get, "/no/such/route")] {
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] != nil)
                #expect(response.headers[.strictTransportSecurity] == nil)
            }
            let missing = try await client.call(.get, "/no/such/route")
            #expect(missing.status == .notFound && missing.problem?.code == "not_found")
        }
    }

    @Test func corsIsClosedUnlessAnOriginIsConfigured() async throws {
        let preflight: HTTPFields = [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]
        try await APIFixture.with { _, client in
            let refused = try await client.execute(uri: "/api/v1/trading/stop", method: .options, headers: preflight)
            #expect(refused.headers[.accessControlAllowOrigin] == nil)
        }
        var settings = APISettings()
        settings.corsOrigins = ["https://evil.example"]
        try await APIFixture.with(settings) { _, client in
            let allowed = try await client.execute(uri: "/api/v1/trading/stop", method: .options, headers: preflight)
            #expect(allowed.status == .noContent && allowed.headers[.accessControlAllowOrigin] == "https://evil.example")
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        var settings = APISettings()
        settings.bodyLimit = ByteSize(bytes: 2048)
        try await APIFixture.with(settings) { _, client in
            let big = String(repeating: "x", count: 4096)
            let response = try await client.call(.post, "/auth/login", json: #"{"username": "\#(big)", "password": "p"}"#)
            #expect(response.status == .contentTooLarge && response.problem?.code == "body_too_large")
        }
    }

    @Test func loginIsRateLimitedPerAddressWithRetryAfter() async throws {
        try await APIFixture.with { fixture, client in
            for _ in 0..<5 { _ = try await client.login("vera") }
            let limited = try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "\#(APIFixture.password)"}"#)
            #expect(limited.status == .tooManyRequests && limited.problem?.code == "rate_limited")
            let retry = try #require(limited.headers[.retryAfter].flatMap(Int.init))
            fixture.clock.advance(seconds: Double(retry))
            #expect(try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "\#(APIFixture.password)"}"#).status == .ok)
        }
    }

    @Test func otherRoutesAreRateLimitedPerUser() async throws {
        var settings = APISettings()
        settings.rateLimits = .init(rate: 1, burst: 3, loginRate: 10, loginBurst: 10)
        try await APIFixture.with(settings) { fixture, client in
            let vera = try await client.login("vera").accessToken
            let oscar = try await client.login("oscar").accessToken
            for _ in 0..<3 { #expect(try await client.call(.get, "/auth/me", token: vera).status == .ok) }
            #expect(try await client.call(.get, "/auth/me", token: vera).status == .tooManyRequests)
            // Another user has their own bucket.
            #expect(try await client.call(.get, "/auth/me", token: oscar).status == .ok)
            fixture.clock.advance(seconds: 1)
            #expect(try await client.call(.get, "/auth/me", token: vera).status == .ok)
        }
    }

    @Test func tenFailuresBlockTheAddressForFifteenMinutes() async throws {
        var settings = APISettings()
        settings.rateLimits = .init(rate: 1000, burst: 1000, loginRate: 1000, loginBurst: 1000)
        try await APIFixture.with(settings) { fixture, client in
            for _ in 0..<9 { #expect(try await client.call(.get, "/auth/me", token: "forged").status == .unauthorized) }
            // The good password still works before the tenth failure...
            _ = try await client.login("vera")
            #expect(try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "guess"}"#).status == .unauthorized)
            // ...and not after it, even with the right one.
            let blocked = try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "\#(APIFixture.password)"}"#)
            #expect(blocked.status == .forbidden && blocked.problem?.code == "blocked")
            #expect(blocked.headers[.retryAfter] == "900")
            let metrics = ExpositionWriter.write(fixture.server.metrics.families(), format: .prometheus004)
            #expect(metrics.contains("warden_api_blocked_ips 1"))
            #expect(metrics.contains(#"warden_api_auth_failures_total{reason="bad_token"} 9"#))
            #expect(metrics.contains(#"warden_api_auth_failures_total{reason="bad_password"} 1"#))
            fixture.clock.advance(seconds: 900)
            #expect(try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "\#(APIFixture.password)"}"#).status == .ok)
        }
    }

    @Test func anOperatorCanLiftABlock() async throws {
        var settings = APISettings()
        settings.lockout = .init(failures: 2, window: .seconds(60), block: .seconds(600))
        try await APIFixture.with(settings) { fixture, client in
            for _ in 0..<2 { _ = try await client.call(.get, "/auth/me", token: "forged") }
            #expect(try await client.call(.get, "/auth/me").status == .forbidden)
            #expect(fixture.server.blockedAddresses == ["local"])
            #expect(fixture.server.unblock("local"))
            #expect(try await client.call(.get, "/auth/me").status == .unauthorized)
            // Failures spread wider than the window never block.
            _ = try await client.call(.get, "/auth/me", token: "forged")
            fixture.clock.advance(seconds: 61)
            _ = try await client.call(.get, "/auth/me", token: "forged")
            #expect(fixture.server.blockedAddresses.isEmpty)
        }
    }

    @Test func badInputIsNamedByField() async throws {
        try await APIFixture.with { _, client in
            let oscar = try await client.login("oscar").accessToken
            let side = try await client.call(.post, "/trading/orders", token: oscar, json: #"{"market": "BTCUSDT", "side": "hold", "quantity": 1}"#)
            #expect(side.status == .badRequest && side.problem?.field == "side")
            let quantity = try await client.call(.post, "/trading/orders", token: oscar, json: #"{"market": "BTCUSDT", "side": "buy", "quantity": "lots"}"#)
            #expect(quantity.status == .badRequest && quantity.problem?.field == "quantity")
            let missing = try await client.call(.post, "/trading/orders", token: oscar, json: #"{"side": "buy", "quantity": 1}"#)
            #expect(missing.status == .badRequest && missing.problem?.field == "market")
            let notJSON = try await client.call(.post, "/trading/orders", token: oscar, json: "{market")
            #expect(notJSON.status == .badRequest && notJSON.problem?.code == "invalid_body")
            let limit = try await client.call(.get, "/trading/fills?limit=0", token: oscar)
            #expect(limit.status == .badRequest && limit.problem?.field == "limit")
            let cursor = try await client.call(.get, "/trading/fills?cursor=nonsense", token: oscar)
            #expect(cursor.status == .badRequest && cursor.problem?.field == "cursor")
            let from = try await client.call(.get, "/trading/trades?from=yesterday", token: oscar)
            #expect(from.status == .badRequest && from.problem?.field == "from")
            let text = try await client.call(.post, "/auth/login", headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)
        }
    }

    @Test func mutatingCallsAreAuditedWithWhoWhatWhereAndResult() async throws {
        try await APIFixture.with { fixture, client in
            let oscar = try await client.login("oscar").accessToken
            _ = try await client.call(.post, "/trading/stop", token: oscar)
            let rows = try await fixture.accounts.handle.textRows(.init("SELECT actor, action, target, detail FROM audit_log WHERE action = 'api.post'"), logger: fixture.accounts.logger)
            let entry = try #require(rows.first)
            #expect(entry[0] == "oscar" && entry[2] == "api:/trading/stop")
            #expect(entry[3]?.contains("role operator") == true && entry[3]?.contains("from local") == true && entry[3]?.contains("result 503") == true)
        }
    }

    @Test func requestsAreCountedByRouteTemplate() async throws {
        try await APIFixture.with { fixture, client in
            let admin = try await client.login("alice").accessToken
            _ = try await client.call(.delete, "/keys/abc", token: admin)
            _ = try await client.call(.delete, "/keys/def", token: admin)
            _ = try await client.call(.get, "/random/\(UUID().uuidString)")
            let metrics = ExpositionWriter.write(fixture.server.metrics.families(), format: .prometheus004)
            #expect(metrics.contains(#"warden_api_requests_total{route="/keys/{prefix}",method="DELETE",code="404"} 2"#))
            #expect(metrics.contains(#"route="unmatched""#))
            #expect(!metrics.contains("abc"))
        }
    }
}
