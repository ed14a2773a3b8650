import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("Recovery from the API: which runbook, destructive steps confirmed, run by the supervisor")
struct RecoveryRouteTests {
    static let catalog = RunbookCatalog(directory: "/srv/runbooks", entries: [
        .init(name: "engine-stuck", title: "The engine is stuck", destructive: false),
        .init(name: "restore-database", title: "Restore the database", destructive: true, needs: ["backup", "operator"]),
    ])

    @Test func theRunbookIsCheckedAndDestructiveStepsMustBeConfirmed() async throws {
        try await APIFixture.with(runbooks: Self.catalog) { _, client in
            let admin = try await client.login("alice").accessToken
            let unknown = try await client.call(.post, "/operations/recovery", token: admin, json: #"{"runbook": "reboot-everything"}"#)
            #expect(unknown.status == .badRequest)
            #expect(String(buffer: unknown.body).contains("\"field\":\"runbook\""))
            #expect(String(buffer: unknown.body).contains("engine-stuck, restore-database"))
            let unconfirmed = try await client.call(.post, "/operations/recovery", token: admin, json: #"{"runbook": "restore-database"}"#)
            #expect(unconfirmed.status == .conflict)
            #expect(String(buffer: unconfirmed.body).contains("confirm_destructive"))
            let missing = try await client.call(.post, "/operations/recovery", token: admin, json: #"{"runbook": "restore-database", "dry_run": true}"#)
            #expect(missing.status == .badRequest)
            #expect(String(buffer: missing.body).contains("\"field\":\"parameters.backup\""))
            // A dry run needs no confirmation, and {operator} is the caller; with no supervisor behind this test it is 503, said plainly.
            let dry = try await client.call(
                .post, "/operations/recovery", token: admin, json: #"{"runbook": "restore-database", "dry_run": true, "parameters": {"backup": "b1"}}"#)
            #expect(dry.status == .serviceUnavailable)
            #expect(String(buffer: dry.body).contains("supervisor"))
            let operatorToken = try await client.login("oscar").accessToken
            #expect(try await client.call(.post, "/operations/recovery", token: operatorToken, json: #"{"runbook": "engine-stuck"}"#).status == .forbidden)
        }
    }

    @Test func theRunbooksAreListedWithWhatEachNeeds() async throws {
        struct Entry: Decodable, Equatable {
            var name: String
            var title: String
            var destructive: Bool
            var needs: [String]
        }
        try await APIFixture.with(runbooks: Self.catalog) { _, client in
            let response = try await client.call(.get, "/operations/runbooks", token: try await client.login("vera").accessToken)
            #expect(try JSONDecoder().decode([Entry].self, from: response.body) == [
                Entry(name: "engine-stuck", title: "The engine is stuck", destructive: false, needs: []),
                Entry(name: "restore-database", title: "Restore the database", destructive: true, needs: ["backup", "operator"]),
            ])
        }
    }

    @Test func withoutARunbooksDirectoryRecoveryIsRefusedSayingSo() async throws {
        try await APIFixture.with { _, client in
            let admin = try await client.login("alice").accessToken
            let response = try await client.call(.post, "/operations/recovery", token: admin, json: #"{"runbook": "engine-stuck"}"#)
            #expect(response.status == .conflict)
            #expect(String(buffer: response.body).contains("WARDEN_RUNBOOKS"))
        }
    }

    @Test func runsAndDeploymentsAreListedFromTheirTables() async throws {
        try await APIFixture.with { fixture, client in
            let viewer = try await client.login("vera").accessToken
            let runs = try await client.call(.get, "/operations/recovery", token: viewer)
            #expect(runs.status == .ok && String(buffer: runs.body) == "[]")
            let deployments = try await client.call(.get, "/operations/deployments", token: viewer)
            #expect(deployments.status == .ok && String(buffer: deployments.body) == "[]")
            _ = fixture
        }
    }
}
