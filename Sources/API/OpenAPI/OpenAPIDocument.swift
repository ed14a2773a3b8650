import Foundation

/// The OpenAPI 3.1 document, built from the route table (paths, methods, roles) and the
/// operations table (words and shapes), so that what is served and what is described agree.
enum OpenAPIDocument {
    static func build(_ routes: [APIRoute]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            let key = "\(route.method.rawValue) \(route.path)"
            guard let spec = Operations.all[key] else { continue }
            let fullPath = route.path == "/docs" ? "/api/docs" : "/api/v1" + route.path
            var operation: JSONValue = [
                "summary": .string(spec.summary), "tags": [.string(spec.tag)],
                "operationId": .string(operationID(route)),
                "x-warden-role": .string(route.role?.rawValue ?? "anyone"),
            ]
            var parameters: [JSONValue] = pathParameters(route.path).map { name in
                // An alert is named by its number; everything else by text.
                ["name": .string(name), "in": "path", "required": true, "schema": spec.path[name] ?? (route.path.hasPrefix("/notifications/") ? ["type": "integer", "minimum": 1] : Schemas.string)]
            }
            parameters += spec.query.map { name, schema, description in
                ["name": .string(name), "in": "query", "required": false, "schema": schema, "description": .string(description)]
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = spec.body {
                operation["requestBody"] = ["required": .bool(body != "Acknowledge"), "content": ["application/json": ["schema": Schemas.ref(body)]]]
            }
            var responses: [String: JSONValue] = [:]
            for (status, schema) in spec.responses {
                var response: JSONValue = ["description": .string(HTTPStatusWords.phrase(status))]
                if let schema {
                    response["content"] = ["application/json": ["schema": Schemas.ref(schema)]]
                } else if route.path == "/docs" {
                    response["content"] = ["text/html": ["schema": Schemas.string]]
                } else {
                    response["content"] = ["application/json": ["schema": ["type": "object"]]]
                }
                responses[String(status)] = response
            }
            var errors = spec.errors
            if route.role != nil { errors += [401, 403] }
            if route.path != "/docs", route.path != "/openapi.json" { errors += [429] }
            if route.mutates || spec.body != nil { errors += [413] }
            for status in Set(errors) where responses[String(status)] == nil {
                responses[String(status)] = ["description": .string(HTTPStatusWords.phrase(status)), "content": ["application/json": ["schema": Schemas.ref("Error")]]]
            }
            responses["500"] = ["description": "Internal error", "content": ["application/json": ["schema": Schemas.ref("Error")]]]
            operation["responses"] = .object(responses)
            if route.role != nil { operation["security"] = [["bearer": []]] }
            var item = paths[fullPath] ?? [:]
            item[route.method.rawValue.lowercased()] = operation
            paths[fullPath] = item
        }
        var schemas = Schemas.all.merging(Schemas.analytics) { first, _ in first }
        for (list, item) in Operations.lists { schemas[list] = Schemas.array(Schemas.ref(item)) }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Warden API", "version": "1",
                "description": "Warden's REST API. Log in at /api/v1/auth/login, then send Authorization: Bearer ACCESS_TOKEN (or an API key). Each operation's x-warden-role names the least role that may call it: viewer < operator < admin.",
            ],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "description": "An access token (JWT) from login or refresh, or an API key (wdn_…)."]],
            ],
        ]
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    static func operationID(_ route: APIRoute) -> String {
        let words = route.path.split(separator: "/").map { $0.hasPrefix("{") ? "by_" + $0.dropFirst().dropLast() : String($0) }
        return ([route.method.rawValue.lowercased()] + words).joined(separator: "_").replacingOccurrences(of: ".", with: "_")
    }
}

enum HTTPStatusWords {
    static func phrase(_ status: Int) -> String {
        [200: "OK", 201: "Created", 202: "Accepted", 400: "Invalid request", 401: "Not authenticated", 403: "Forbidden (role) or address blocked",
         404: "Not found", 409: "Refused", 413: "Body too large", 415: "Body is not JSON", 429: "Rate limited (see Retry-After)",
         501: "Not built yet", 503: "Engine or supervisor not answering"][status] ?? "Status \(status)"
    }
}
