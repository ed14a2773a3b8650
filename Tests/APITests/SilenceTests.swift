import Alerting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("Silences from the API: matchers checked, a duration and a reason, in the caller's name")
struct SilenceTests {
    struct Item: Decodable {
        var id: String
        var matchers: [String]
        var starts_at: Int64
        var ends_at: Int64
        var created_by: String
        var comment: String
    }

    @Test func anOperatorSilencesAnAlertForAWhileAndEndsItEarly() async throws {
        try await APIFixture.with { fixture, client in
            let operatorToken = try await client.login("oscar").accessToken
            let viewer = try await client.login("vera").accessToken
            let body = #"{"matchers": ["alertname=\"WardenEngineDown\"", "severity=~\"critical|page\""], "duration_minutes": 90, "comment": "engine upgrade"}"#
            #expect(try await client.call(.post, "/notifications/silences", token: viewer, json: body).status == .forbidden)
            let made = try await client.call(.post, "/notifications/silences", token: operatorToken, json: body)
            #expect(made.status == .created)
            let silence = try JSONDecoder().decode(Item.self, from: made.body)
            #expect(silence.created_by == "oscar" && silence.comment == "engine upgrade")
            #expect(silence.starts_at == fixture.clock.now && silence.ends_at == fixture.clock.now + 90 * 60_000)

            // What the supervisor's router reads: the silence mutes the alert it names, and only that one.
            let stored = try #require(try await fixture.server.alerts.silences(activeAt: fixture.clock.now).first)
            #expect(stored.mutes(Labels(["alertname": "WardenEngineDown", "severity": "critical"])))
            #expect(!stored.mutes(Labels(["alertname": "WardenBackupStale", "severity": "critical"])))
            #expect(!stored.isActive(at: fixture.clock.now + 90 * 60_000))

            let listed = try JSONDecoder().decode([Item].self, from: try await client.call(.get, "/notifications/silences", token: viewer).body)
            #expect(listed.map(\.id) == [silence.id])
            #expect(try await client.call(.delete, "/notifications/silences/\(silence.id)", token: viewer).status == .forbidden)
            #expect(try await client.call(.delete, "/notifications/silences/\(silence.id)", token: operatorToken).status == .ok)
            #expect(try JSONDecoder().decode([Item].self, from: try await client.call(.get, "/notifications/silences", token: viewer).body).isEmpty)
            #expect(try await client.call(.delete, "/notifications/silences/\(silence.id)", token: operatorToken).status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"matchers": [], "duration_minutes": 10, "comment": "x"}"#, "matchers"),
        (#"{"matchers": ["alertname"], "duration_minutes": 10, "comment": "x"}"#, "matchers[0]"),
        (#"{"matchers": ["a=\"b\"", "9bad=\"c\""], "duration_minutes": 10, "comment": "x"}"#, "matchers[1]"),
        (#"{"matchers": ["a=\"b\""], "duration_minutes": 0, "comment": "x"}"#, "duration_minutes"),
        (#"{"matchers": ["a=\"b\""], "duration_minutes": 43201, "comment": "x"}"#, "duration_minutes"),
        (#"{"matchers": ["a=\"b\""], "duration_minutes": 10, "comment": "   "}"#, "comment"),
    ])
    func aBadSilenceIsRefusedNamingTheField(body: String, field: String) async throws {
        try await APIFixture.with { fixture, client in
            let response = try await client.call(.post, "/notifications/silences", token: try await client.login("oscar").accessToken, json: body)
            #expect(response.status == .badRequest)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: response.body).error.field == field)
            #expect(try await fixture.server.alerts.silences(activeAt: nil).isEmpty, "nothing is half-written")
        }
    }
}

@Suite("Strategy slots made from the API: what can be checked before the engine is")
struct StrategyCreateTests {
    @Test(arguments: [
        (#"{"strategy": "macd"}"#, "strategy"),
        (#"{"strategy": "cci", "markets": []}"#, "markets"),
        (#"{"strategy": "cci", "parameters": {"period": 1}}"#, "parameters"),
        (#"{"strategy": "cci", "parameters": {"length": 20}}"#, "parameters"),
        (#"{"strategy": "rsi_macd", "parameters": {"fast": 30, "slow": 20}}"#, "parameters"),
    ])
    func aBadStrategyIsRefusedNamingTheFieldBeforeTheEngineIsAsked(body: String, field: String) async throws {
        try await APIFixture.with { _, client in
            let response = try await client.call(.post, "/strategies", token: try await client.login("oscar").accessToken, json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(try JSONDecoder().decode(ErrorBody.self, from: response.body).error.field == field)
        }
    }

    @Test func aGoodOneGoesToTheEngineAndAViewerMayNot() async throws {
        try await APIFixture.with { _, client in
            let body = #"{"strategy": "bollinger", "markets": ["BTC-USDT"], "parameters": {"period": 30}}"#
            #expect(try await client.call(.post, "/strategies", token: try await client.login("vera").accessToken, json: body).status == .forbidden)
            // No engine runs behind this test: checked, then 503 said plainly.
            let response = try await client.call(.post, "/strategies", token: try await client.login("oscar").accessToken, json: body)
            #expect(response.status == .serviceUnavailable)
            #expect(String(buffer: response.body).contains("engine"))
        }
    }
}
