import Accounts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("Operator notices: the audit log's halts and blocks, read in a name")
struct NoticeTests {
    struct Page: Decodable {
        struct Notice: Decodable {
            var id: Int64
            var kind: String
            var detail: String?
            var read_by: String?
        }
        var items: [Notice]
        var total: Int
    }

    @Test func noticesAreTheActionsAPersonMustKnowNewestFirstAndReadOnce() async throws {
        try await APIFixture.with { fixture, client in
            try await fixture.accounts.audit(AuditRecord(actor: "engine", action: "trading.halt", target: "trading", detail: "daily loss 5.2% over the 5% limit"))
            try await fixture.accounts.audit(AuditRecord(actor: "reconciliation", action: "order.external", target: "order:123", detail: "an open order nobody here placed"))
            try await fixture.accounts.audit(AuditRecord(actor: "alice", action: "user.add", target: "bob"))
            let viewer = try await client.login("vera").accessToken
            let page = try JSONDecoder().decode(Page.self, from: try await client.call(.get, "/notifications/notices", token: viewer).body)
            #expect(page.items.map(\.kind) == ["order.external", "trading.halt"])
            #expect(page.total == 2)
            let halt = try #require(page.items.last)
            #expect(halt.detail == "daily loss 5.2% over the 5% limit" && halt.read_by == nil)

            #expect(try await client.call(.post, "/notifications/notices/\(halt.id)/read", token: viewer).status == .forbidden)
            let operatorToken = try await client.login("oscar").accessToken
            let read = try await client.call(.post, "/notifications/notices/\(halt.id)/read", token: operatorToken)
            #expect(read.status == .ok)
            #expect(try JSONDecoder().decode(Page.Notice.self, from: read.body).read_by == "oscar")
            let again = try await client.call(.post, "/notifications/notices/\(halt.id)/read", token: try await client.login("alice").accessToken)
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("read by oscar"))
            let after = try JSONDecoder().decode(Page.self, from: try await client.call(.get, "/notifications/notices", token: viewer).body)
            #expect(after.items.first { $0.id == halt.id }?.read_by == "oscar")
            #expect(after.items.map(\.kind) == ["order.external", "trading.halt"])  // the read is not itself a notice
            #expect(try await client.call(.post, "/notifications/notices/999/read", token: operatorToken).status == .notFound)
        }
    }
}
