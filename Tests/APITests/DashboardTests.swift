import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("The dashboard's files: embedded as written, served small, from nowhere else")
struct DashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theEmbeddedFilesAreTheOnesInDashboard() throws {
        for (name, embedded) in [("index.html", DashboardAssets.html), ("app.css", DashboardAssets.css), ("app.js", DashboardAssets.script)] {
            let file = try String(contentsOf: Self.root.appendingPathComponent("dashboard/\(name)"), encoding: .utf8)
            #expect(file == embedded, "dashboard/\(name) changed: run scripts/embed_dashboard.py")
        }
    }

    @Test func pagesAreServedWithTheirTypesUnderTheSecurityHeadersAndUnder150KB() async throws {
        try await APIFixture.with { _, client in
            var total = 0
            for (path, type) in [("/dashboard", "text/html"), ("/dashboard/app.css", "text/css"), ("/dashboard/app.js", "text/javascript")] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix(type) == true)
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
                total += response.body.readableBytes
            }
            #expect(total < 150_000)
            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .found && root.headers[.location] == "/dashboard")
        }
    }

    @Test func nothingIsFetchedFromElsewhere() {
        for text in [DashboardAssets.html, DashboardAssets.css, DashboardAssets.script] {
            // The SVG namespace is a name, not a fetch; any other absolute URL would be.
            let urls = text.components(separatedBy: "http").dropFirst().filter { !$0.hasPrefix("://www.w3.org/2000/svg") && !$0.hasPrefix("s:") }
            #expect(urls.isEmpty)
            #expect(!text.contains("<script>"), "inline scripts are refused by the CSP")
        }
    }
}
