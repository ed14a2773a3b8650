import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import API

@Suite("The OpenAPI document")
struct OpenAPITests {
    @Test func describesEveryRouteAndNothingElse() async throws {
        try await APIFixture.with { fixture, client in
            let response = try await client.call(.get, "/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try response.json() as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var described = Set<String>()
            for (path, item) in paths {
                for method in item.keys { described.insert("\(method.uppercased()) \(path)") }
            }
            let served = Set(fixture.server.routes.map { "\($0.method.rawValue) \($0.path == "/docs" ? "/api/docs" : "/api/v1" + $0.path)" })
            #expect(described == served)
            #expect(Set(Operations.all.keys) == Set(fixture.server.routes.map { "\($0.method.rawValue) \($0.path)" }))
        }
    }

    @Test func everyReferenceResolves() async throws {
        try await APIFixture.with { _, client in
            let text = String(buffer: try await client.call(.get, "/openapi.json").body)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let references = text.matches(of: /"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/).map { String($0.1) }
            #expect(!references.isEmpty)
            for name in Set(references) { #expect(schemas[name] != nil, "\(name) is referenced but not defined") }
        }
    }

    @Test func theReferencePageListsEveryEndpointWithItsRole() async throws {
        try await APIFixture.with { fixture, client in
            let page = try await client.execute(uri: "/api/docs", method: .get)
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            let html = String(buffer: page.body)
            #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
            for route in fixture.server.routes where route.path != "/docs" {
                #expect(html.contains("\(route.method.rawValue) /api/v1\(route.path)"), "\(route.path) missing from /api/docs")
            }
        }
    }
}
