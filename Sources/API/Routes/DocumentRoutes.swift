import Foundation
import Hummingbird

/// The OpenAPI document and its readable reference page, both built once from the route table.
enum DocumentRoutes {
    static func routes(for table: [APIRoute]) -> [APIRoute] {
        let described = table + [placeholder("/openapi.json"), placeholder("/docs")]
        let json = (try? JSON.encoder.encode(OpenAPIDocument.build(described))) ?? Data("{}".utf8)
        let page = Data(ReferencePage.html(described).utf8)
        return [
            APIRoute(.get, "/openapi.json", role: nil) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
            },
            APIRoute(.get, "/docs", role: nil) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: page)))
            },
        ]
    }

    static func placeholder(_ path: String) -> APIRoute { APIRoute(.get, path, role: nil) { _, _ in Response(status: .ok) } }
}

/// /api/docs: every operation with its role, parameters and answers, as plain HTML with no script
/// and nothing fetched from elsewhere.
enum ReferencePage {
    static func html(_ routes: [APIRoute]) -> String {
        var sections: [String: [String]] = [:]
        for route in routes {
            guard let spec = Operations.all["\(route.method.rawValue) \(route.path)"] else { continue }
            let query = spec.query.map { "<code>\(escape($0.0))</code> \(escape($0.2))" }.joined(separator: "<br>")
            let answers = spec.responses.map { "\($0.0)\($0.1.map { " <code>\($0)</code>" } ?? "")" } + spec.errors.map { "\($0)" }
            sections[spec.tag, default: []].append("""
                <tr><td><code>\(route.method.rawValue) /api/v1\(escape(route.path))</code></td><td>\(escape(spec.summary))</td>\
                <td>\(route.role?.rawValue ?? "anyone")</td><td>\(spec.body.map { "<code>\($0)</code>" } ?? "")\(query)</td>\
                <td>\(answers.joined(separator: ", "))</td></tr>
                """)
        }
        let body = sections.keys.sorted().map { tag in
            "<h2 id=\"\(tag)\">\(tag)</h2><table><tr><th>Endpoint</th><th>What</th><th>Least role</th><th>Input</th><th>Answers</th></tr>\(sections[tag]!.joined())</table>"
        }.joined()
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Warden API reference</title><style>
            body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1c1c1c;background:#fff}
            @media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#161616}th{background:#262626!important}}
            table{border-collapse:collapse;width:100%;margin-bottom:2rem}td,th{border:1px solid #8884;padding:.35rem .5rem;vertical-align:top;text-align:left}
            th{background:#f2f2f2}code{font-size:.9em}</style></head><body>
            <h1>Warden API</h1><p>Log in with <code>POST /api/v1/auth/login</code> and send <code>Authorization: Bearer TOKEN</code>.
            Roles: viewer &lt; operator &lt; admin. Errors are <code>{"error": {"code", "message", "field"}}</code>.
            The machine-readable document is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
            \(body)</body></html>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
