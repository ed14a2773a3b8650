import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WardenCore
@testable import API

@Suite("Every route against every role")
struct RoleMatrixTests {
    /// Anonymous and each role against every route of the table: below the route's role is 401
    /// (anonymous) or 403; at or above it the request gets past the gate (whatever the route then says).
    @Test func theWholeMatrix() async throws {
        var settings = APISettings()
        settings.rateLimits = .init(rate: 1000, burst: 1000, loginRate: 1000, loginBurst: 1000)
        try await APIFixture.with(settings) { fixture, client in
            var tokens: [Role: String] = [:]
            for (name, role) in [("alice", Role.admin), ("oscar", .operator), ("vera", .viewer)] {
                tokens[role] = try await client.login(name).accessToken
            }
            var checked = 0
            for route in fixture.server.routes {
                let path = route.path.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "nobody" : String($0) }.joined(separator: "/")
                for caller in [nil] + Role.allCases {
                    let response: TestResponse
                    let token = caller.flatMap { tokens[$0] }
                    if route.path == "/docs" {
                        response = try await client.execute(uri: "/api/docs", method: route.method, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
                    } else {
                        response = try await client.call(route.method, path, token: token, json: route.mutates ? "{}" : nil)
                    }
                    let status = response.status.code
                    let label = "\(route.method) \(route.path) as \(caller?.rawValue ?? "anonymous") → \(status) \(String(buffer: response.body).prefix(120))"
                    switch (route.role, caller) {
                    case (nil, _):
                        #expect(status != 401 && status != 403, "\(label)")
                    case (.some, nil):
                        #expect(status == 401, "\(label)")
                        #expect(response.problem?.code == "unauthenticated", "\(label)")
                    case (.some(let needed), .some(let role)):
                        if role >= needed {
                            #expect(status != 401 && status != 403, "\(label)")
                        } else {
                            #expect(status == 403, "\(label)")
                            #expect(response.problem?.code == "forbidden", "\(label)")
                        }
                    }
                    #expect(status != 500, "\(label)")
                    checked += 1
                }
            }
            #expect(checked == fixture.server.routes.count * 4)
            #expect(fixture.server.routes.count >= 40)
        }
    }

    /// What each role can do is spelled out for the routes people ask about first.
    @Test func rolesOfTheRoutesPeopleAskAbout() async throws {
        try await APIFixture.with { fixture, _ in
            let roles = Dictionary(uniqueKeysWithValues: fixture.server.routes.map { ("\($0.method) \($0.path)", $0.role) })
            #expect(roles["GET /trading/status"] == .viewer)
            #expect(roles["POST /trading/stop"] == .operator)
            #expect(roles["POST /trading/orders"] == .operator)
            #expect(roles["POST /notifications/{id}/read"] == .operator)
            #expect(roles["POST /users"] == .admin)
            #expect(roles["POST /keys"] == .admin)
            #expect(roles["POST /operations/backups"] == .admin)
            #expect(roles["POST /auth/login"] == .some(nil))
        }
    }
}
