import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WardenCore
@testable import API

@Suite("Login, tokens and keys")
struct AuthFlowTests {
    @Test func loginGivesBearerTokensAndAWrongPasswordDoesNot() async throws {
        try await APIFixture.with { fixture, client in
            let tokens = try await client.login("oscar")
            #expect(tokens.tokenType == "bearer" && tokens.expiresIn == 900)
            let me = try await client.call(.get, "/auth/me", token: tokens.accessToken)
            #expect(me.status == .ok)
            let body = try me.json() as? [String: Any]
            #expect(body?["name"] as? String == "oscar" && body?["role"] as? String == "operator")

            let wrong = try await client.call(.post, "/auth/login", json: #"{"username": "oscar", "password": "not the password"}"#)
            #expect(wrong.status == .unauthorized && wrong.problem?.code == "unauthenticated")
            let unknown = try await client.call(.post, "/auth/login", json: #"{"username": "nobody", "password": "not the password"}"#)
            #expect(unknown.status == .unauthorized && unknown.problem?.message == wrong.problem?.message)
            let audit = try await fixture.accounts.handle.textRows(.init("SELECT actor, action FROM audit_log ORDER BY id"), logger: fixture.accounts.logger)
            #expect(audit.contains { $0 == ["oscar", "auth.login"] })
            #expect(audit.filter { $0[1] == "auth.failure" }.count == 2)
        }
    }

    @Test func anAccessTokenEndsAfterFifteenMinutes() async throws {
        try await APIFixture.with { fixture, client in
            let tokens = try await client.login("vera")
            fixture.clock.advance(seconds: 899)
            #expect(try await client.call(.get, "/auth/me", token: tokens.accessToken).status == .ok)
            fixture.clock.advance(seconds: 2)
            let late = try await client.call(.get, "/auth/me", token: tokens.accessToken)
            #expect(late.status == .unauthorized)
            #expect(late.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
        }
    }

    @Test func refreshRotatesAndReusingAnOldTokenEndsTheFamily() async throws {
        try await APIFixture.with { fixture, client in
            let first = try await client.login("vera")
            let rotated = try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(first.refreshToken)"}"#)
            #expect(rotated.status == .ok)
            let second = try JSONDecoder().decode(Tokens.self, from: rotated.body)
            #expect(second.refreshToken != first.refreshToken)
            #expect(try await client.call(.get, "/auth/me", token: second.accessToken).status == .ok)

            // Someone replays the first token: refused, and the token it was rotated into dies with it.
            let replay = try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(first.refreshToken)"}"#)
            #expect(replay.status == .unauthorized)
            let afterReplay = try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(second.refreshToken)"}"#)
            #expect(afterReplay.status == .unauthorized)
            let audit = try await fixture.accounts.handle.textRows(.init("SELECT action FROM audit_log"), logger: fixture.accounts.logger)
            #expect(audit.contains(["auth.refresh_reuse"]))
        }
    }

    @Test func aRefreshTokenLastsThirtyDaysFromLoginWhateverTheRotations() async throws {
        try await APIFixture.with { fixture, client in
            var token = try await client.login("vera").refreshToken
            for _ in 0..<3 {
                fixture.clock.advance(seconds: 9 * 86_400)
                let response = try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(token)"}"#)
                #expect(response.status == .ok)
                token = try JSONDecoder().decode(Tokens.self, from: response.body).refreshToken
            }
            fixture.clock.advance(seconds: 3 * 86_400 + 1)
            #expect(try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(token)"}"#).status == .unauthorized)
        }
    }

    @Test func logoutRevokesTheRefreshToken() async throws {
        try await APIFixture.with { _, client in
            let tokens = try await client.login("oscar")
            let out = try await client.call(.post, "/auth/logout", token: tokens.accessToken, json: #"{"refresh_token": "\#(tokens.refreshToken)"}"#)
            #expect(out.status == .ok)
            #expect(try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(tokens.refreshToken)"}"#).status == .unauthorized)
        }
    }

    @Test func aDisabledUserIsOutWithinTheCacheWindow() async throws {
        try await APIFixture.with { fixture, client in
            let vera = try await client.login("vera")
            let admin = try await client.login("alice")
            #expect(try await client.call(.post, "/users/vera/disable", token: admin.accessToken).status == .ok)
            #expect(try await client.call(.get, "/auth/me", token: vera.accessToken).status == .unauthorized)
            #expect(try await client.call(.post, "/auth/refresh", json: #"{"refresh_token": "\#(vera.refreshToken)"}"#).status == .unauthorized)
            let login = try await client.call(.post, "/auth/login", json: #"{"username": "vera", "password": "\#(APIFixture.password)"}"#)
            #expect(login.status == .unauthorized)
            let selfDisable = try await client.call(.post, "/users/alice/disable", token: admin.accessToken)
            #expect(selfDisable.status == .conflict)
        }
    }

    @Test func anAPIKeyActsAtItsRoleUntilRevoked() async throws {
        try await APIFixture.with { fixture, client in
            let admin = try await client.login("alice").accessToken
            let made = try await client.call(.post, "/keys", token: admin, json: #"{"name": "grafana", "role": "viewer"}"#)
            #expect(made.status == .created)
            let body = try made.json() as? [String: Any]
            let key = try #require(body?["key"] as? String)
            #expect(key.hasPrefix("wdn_"))
            let me = try await client.call(.get, "/auth/me", token: key)
            #expect((try me.json() as? [String: Any])?["role"] as? String == "viewer")
            // A viewer key of an admin is still a viewer.
            #expect(try await client.call(.get, "/users", token: key).status == .forbidden)
            let listed = try await client.call(.get, "/keys", token: admin)
            #expect(!String(buffer: listed.body).contains(key))
            let prefix = try #require((body?["record"] as? [String: Any])?["prefix"] as? String)
            #expect(try await client.call(.delete, "/keys/\(prefix)", token: admin).status == .ok)
            #expect(try await client.call(.get, "/auth/me", token: key).status == .unauthorized)
            // Tampering with the secret part of a real prefix fails too.
            #expect(try await client.call(.get, "/auth/me", token: "wdn_\(prefix)_notthesecret").status == .unauthorized)
        }
    }

    @Test func anExpiredKeyAndAKeyAboveItsOwnerAreRefused() async throws {
        try await APIFixture.with { fixture, client in
            let made = try await fixture.accounts.createKey(owner: "oscar", name: "bot", role: .operator, expiresAt: fixture.clock.now + 60_000, actor: "test")
            #expect(try await client.call(.get, "/auth/me", token: made.key).status == .ok)
            fixture.clock.advance(seconds: 61)
            #expect(try await client.call(.get, "/auth/me", token: made.key).status == .unauthorized)
            await #expect(throws: AccountError.roleAboveOwner(key: .admin, owner: .operator)) {
                try await fixture.accounts.createKey(owner: "oscar", name: "too much", role: .admin, expiresAt: nil, actor: "test")
            }
        }
    }

    @Test func passwordsAreCheckedWhenSet() async throws {
        try await APIFixture.with { fixture, client in
            let admin = try await client.login("alice").accessToken
            let short = try await client.call(.post, "/users", token: admin, json: #"{"name": "bob", "password": "short", "role": "viewer"}"#)
            #expect(short.status == .badRequest && short.problem?.field == "password")
            let badRole = try await client.call(.post, "/users", token: admin, json: #"{"name": "bob", "password": "a much longer one", "role": "god"}"#)
            #expect(badRole.status == .badRequest && badRole.problem?.field == "role")
            let badName = try await client.call(.post, "/users", token: admin, json: #"{"name": "bob smith", "password": "a much longer one", "role": "viewer"}"#)
            #expect(badName.status == .badRequest && badName.problem?.field == "name")
            let made = try await client.call(.post, "/users", token: admin, json: #"{"name": "bob", "password": "a much longer one", "role": "viewer"}"#)
            #expect(made.status == .created)
            let again = try await client.call(.post, "/users", token: admin, json: #"{"name": "bob", "password": "a much longer one", "role": "viewer"}"#)
            #expect(again.status == .conflict)
            #expect(try await client.login("bob", password: "a much longer one").accessToken.isEmpty == false)
            let hash = try await fixture.accounts.handle.textRows(.init("SELECT password_hash FROM users WHERE name = 'bob'"), logger: fixture.accounts.logger)
            #expect(hash.first?.first??.hasPrefix("$2") == true)
        }
    }
}
