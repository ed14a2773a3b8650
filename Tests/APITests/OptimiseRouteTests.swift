import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("Optimisations from the API: the search checked by the optimiser's own parsers before a job starts")
struct OptimiseRouteTests {
    @Test(arguments: [
        (#"{"method": "anneal", "search": {"period": {}}}"#, "method"),
        (#"{"method": "grid", "search": {}}"#, "search"),
        (#"{"method": "ga", "search": {"": {}}}"#, "search."),
        (#"{"method": "grid", "search": {"length": {}}}"#, "search.length"),
        (#"{"method": "grid", "search": {"period": {"low": 1, "high": 30}}}"#, "search.period"),
        (#"{"method": "grid", "search": {"period": {"low": 10}}}"#, "search.period"),
        (#"{"method": "grid", "search": {"period": {}}, "set": {"period": 20}}"#, "set.period"),
        (#"{"method": "grid", "search": {"period": {}}, "objective": "luck"}"#, "objective"),
        (#"{"method": "ga", "search": {"period": {}}, "population": 2}"#, "population"),
        (#"{"method": "grid", "search": {"period": {}}, "walk_forward": "train=90d"}"#, "walk_forward"),
    ])
    func aBadSearchIsRefusedNamingTheField(body: String, field: String) async throws {
        try await APIFixture.with { _, client in
            let response = try await client.call(.post, "/strategies/cci/optimise", token: try await client.login("oscar").accessToken, json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(try JSONDecoder().decode(ErrorBody.self, from: response.body).error.field == field, "\(body)")
        }
    }

    @Test func anUnknownStrategyIs404AndAViewerMayNot() async throws {
        try await APIFixture.with { _, client in
            let body = #"{"method": "grid", "search": {"period": {}}}"#
            let (operatorToken, viewer) = (try await client.login("oscar").accessToken, try await client.login("vera").accessToken)
            #expect(try await client.call(.post, "/strategies/macd/optimise", token: operatorToken, json: body).status == .notFound)
            #expect(try await client.call(.post, "/strategies/cci/optimise", token: viewer, json: body).status == .forbidden)
        }
    }
}
