import Trading

/// The shapes of the API's bodies, as OpenAPI 3.1 (JSON Schema 2020-12) schemas.
enum Schemas {
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let decimal: JSONValue = ["type": ["number", "string"]]
    static let optionalInteger: JSONValue = ["type": ["integer", "null"]]
    static let optionalNumber: JSONValue = ["type": ["number", "null"]]
    static let role: JSONValue = ["type": "string", "enum": ["viewer", "operator", "admin"]]

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    /// An object whose `required` members are always there; the rest may be absent (never null).
    static func object(_ properties: [String: JSONValue], required: [String], open: Bool = true) -> JSONValue {
        var schema: JSONValue = ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
        if !open { schema["additionalProperties"] = false }
        return schema
    }

    static func page(_ item: String) -> JSONValue {
        object(["items": array(ref(item)), "next_cursor": integer, "total": integer], required: ["items", "total"], open: false)
    }

    static let all: [String: JSONValue] = [
        "Error": object([
            "error": object(["code": string, "message": string, "field": string], required: ["code", "message"], open: false),
        ], required: ["error"], open: false),
        "Login": object(["username": string, "password": string], required: ["username", "password"]),
        "RefreshRequest": object(["refresh_token": string], required: ["refresh_token"]),
        "Tokens": object(
            ["access_token": string, "refresh_token": string, "token_type": ["type": "string", "const": "bearer"], "expires_in": integer],
            required: ["access_token", "refresh_token", "token_type", "expires_in"], open: false),
        "Me": object(["id": integer, "name": string, "role": role, "credential": string], required: ["id", "name", "role", "credential"], open: false),
        "Done": object(["ok": boolean, "message": string], required: ["ok", "message"], open: false),
        "User": object(
            ["id": integer, "name": string, "role": role, "created_at": integer, "disabled": boolean, "disabled_at": optionalInteger],
            required: ["id", "name", "role", "created_at", "disabled"]),
        "NewUser": object(
            ["name": ["type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"], "password": ["type": "string", "minLength": 12, "maxLength": 1024], "role": role],
            required: ["name", "password", "role"]),
        "APIKey": object(
            ["prefix": string, "name": string, "owner": string, "role": role, "created_at": integer, "expires_at": optionalInteger, "revoked_at": optionalInteger, "last_used_at": optionalInteger],
            required: ["prefix", "name", "owner", "role", "created_at"]),
        "NewKey": object(["name": string, "role": role, "expires_in_days": ["type": ["integer", "null"], "minimum": 1, "maximum": 3650]], required: ["name", "role"]),
        "CreatedKey": object(["key": string, "record": ref("APIKey")], required: ["key", "record"], open: false),
        "TradingStatus": object(
            ["state": string, "reason": string, "bar": integer, "bars": integer, "equity": number], required: ["state", "bar", "bars", "equity"]),
        "TradingReply": object(["ok": boolean, "message": string, "status": ref("TradingStatus")], required: ["ok", "message", "status"]),
        "Position": object(
            ["strategy": string, "market": string, "quantity": decimal, "entry_price": decimal, "opened_at": integer],
            required: ["strategy", "market", "quantity", "entry_price"]),
        "Portfolio": object(
            ["equity": number, "positions": array(ref("Position")), "exposure": number, "open_orders": integer],
            required: ["equity", "positions", "exposure", "open_orders"], open: false),
        "OpenOrder": object(
            ["client_order_id": string, "exchange_order_id": string, "strategy": string, "market": string, "side": string, "type": string,
             "quantity": string, "price": string, "status": string],
            required: ["client_order_id", "strategy", "market", "side", "type", "status"]),
        "OpenOrders": object(["orders": array(ref("OpenOrder"))], required: ["orders"]),
        "ManualOrder": object(
            ["market": string, "side": ["type": "string", "enum": ["buy", "sell"]], "quantity": ["type": "number", "exclusiveMinimum": 0],
             "price": ["type": "number", "exclusiveMinimum": 0]],
            required: ["market", "side", "quantity"]),
        "OrderReply": object(["ok": boolean, "client_order_id": string, "state": string, "message": string], required: ["ok", "state", "message"]),
        "FillItem": object(
            ["strategy": string, "market": string, "side": ["type": "string", "enum": ["buy", "sell"]], "price": decimal, "quantity": decimal, "fee": decimal,
             "fee_asset": string, "time": integer, "client_order_id": string, "exchange_order_id": string, "trade_id": string],
            required: ["strategy", "market", "side", "price", "quantity", "fee", "fee_asset", "time", "client_order_id", "exchange_order_id", "trade_id"], open: false),
        "FillPage": page("FillItem"),
        "TradeItem": object(
            ["strategy": string, "market": string,
             "trade": object(["entry_time": integer, "entry_price": number, "exit_time": optionalInteger, "exit_price": optionalNumber,
                              "quantity": number, "fees": number, "pnl": number, "return": number],
                             required: ["entry_time", "entry_price", "exit_time", "exit_price", "quantity", "pnl"])],
            required: ["strategy", "market", "trade"], open: false),
        "TradePage": page("TradeItem"),
        "Strategy": object(
            ["name": string, "market": string, "active": boolean, "parameters": ["type": "object", "additionalProperties": number],
             "bounds": array(["type": "object"]), "position": number, "archived": boolean, "created_by": string],
            required: ["name", "market", "active", "parameters", "bounds", "archived"]),
        "NewStrategy": object(
            ["strategy": ["type": "string", "enum": .array(StrategyRegistry.names.map(JSONValue.string))],
             "markets": ["type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 32], "minItems": 1],
             "parameters": ["type": "object", "additionalProperties": number], "active": boolean],
            required: ["strategy"]),
        "StrategiesReply": object(["ok": boolean, "message": string, "strategies": array(ref("Strategy"))], required: ["ok", "message", "strategies"]),
        "Parameters": ["type": "object", "additionalProperties": number, "minProperties": 1],
        "System": object(["supervisor": ["type": "object"], "supervisor_error": string, "database": string], required: ["database"], open: false),
        "TradingView": object(
            ["engine": ref("TradingStatus"), "engine_error": string, "open_orders": integer, "positions": integer], required: ["open_orders", "positions"], open: false),
        "Alert": object(
            ["id": integer, "fingerprint": string, "name": string, "labels": ["type": "object"], "annotations": ["type": "object"], "state": string,
             "starts_at": integer, "acked_by": string, "acked_at": integer, "ack_comment": string],
            required: ["id", "name", "state"]),
        "Acknowledge": object(["comment": ["type": ["string", "null"]]], required: []),
        "Backup": object(
            ["id": string, "engine": string, "started_at": integer, "finished_at": integer, "size_bytes": integer, "sha256": string,
             "verified_at": integer, "restore_tested_at": integer],
            required: ["id", "engine", "started_at"], open: false),
        "OrderRefusal": ["anyOf": [ref("OrderReply"), ref("Error")]],
        "ControlReply": object(["ok": boolean, "message": string], required: ["ok", "message"]),
    ]
}
