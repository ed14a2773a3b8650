import PostgresNIO

/// A statement written once for both database engines. `?` is a bind (numbered `$n` on
/// PostgreSQL) and `{::type}` a cast only PostgreSQL needs (its NUMERIC read back as text, a JSONB
/// column written from text or read as text); SQLite drops them. What truly differs between the
/// engines (set-based batch writes, row decoding) stays in each store.
public struct SharedSQL: Sendable {
    public let template: String
    public let sqlite: String
    public let postgres: String

    public init(_ template: String) {
        self.template = template
        sqlite = Self.dropCasts(template)
        postgres = Self.numbered(template)
    }

    /// The PostgreSQL statement with `values` bound in order (nil binds NULL).
    public func postgresQuery(_ values: [(any PostgresThrowingDynamicTypeEncodable)?]) throws -> PostgresQuery {
        var binds = PostgresBindings()
        for value in values {
            if let value { try binds.append(value) } else { binds.appendNull() }
        }
        return PostgresQuery(unsafeSQL: postgres, binds: binds)
    }

    static func numbered(_ template: String) -> String {
        var out = ""
        var bind = 0
        var rest = Substring(template)
        while let index = rest.firstIndex(where: { $0 == "?" || $0 == "{" }) {
            out += rest[..<index]
            if rest[index] == "?" {
                bind += 1
                out += "$\(bind)"
                rest = rest[rest.index(after: index)...]
            } else {
                guard let close = rest[index...].firstIndex(of: "}") else { break }
                out += rest[rest.index(after: index)..<close]
                rest = rest[rest.index(after: close)...]
            }
        }
        return out + rest
    }

    static func dropCasts(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// A value bound to a statement, the same on both engines.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public static func integer(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
    public static func text(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }

    public var postgres: (any PostgresThrowingDynamicTypeEncodable)? {
        switch self {
        case .null: nil
        case .integer(let value): value
        case .real(let value): value
        case .text(let value): value
        }
    }
}

/// A shared statement with its values.
public struct BoundStatement: Sendable {
    public var sql: SharedSQL
    public var values: [SQLValue]

    public init(_ sql: SharedSQL, _ values: [SQLValue] = []) {
        self.sql = sql
        self.values = values
    }
}
