import Foundation
import WardenCore

/// Which database Warden uses: an SQLite file (the default, under the state directory) or a
/// PostgreSQL server, from `database.url`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(Postgres)

    public struct Postgres: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// libpq's `sslmode`; `prefer` when the URL does not say.
        public var sslMode: SSLMode
        /// libpq's `sslrootcert`: the CA file that verify-ca and verify-full check the server against.
        public var rootCertificate: String?

        /// Whether TLS is used at all (for tools that take their own URL, such as pg_dump).
        public var tls: Bool { sslMode != .disable }
    }

    /// libpq's modes (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION).
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// `database.url` if set, else `<state-dir>/warden.sqlite`.
    public init(settings: DatabaseSettings, stateDirectory: String) throws(WardenError) {
        guard let url = settings.url?.value else {
            self = .sqlite(path: stateDirectory + "/warden.sqlite")
            return
        }
        self = try Self.parse(url)
    }

    public static func parse(_ text: String) throws(WardenError) -> DatabaseLocation {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw WardenError(.configuration, "database.url is not a URL (expected sqlite:///path or postgres://user@host/db)")
        }
        switch scheme {
        case "sqlite":
            guard components.path.hasPrefix("/") else {
                throw WardenError(.configuration, "database.url: sqlite URLs need an absolute path: sqlite:///var/lib/warden/warden.sqlite")
            }
            return .sqlite(path: components.path)
        case "postgres", "postgresql":
            guard let host = components.host, !host.isEmpty else {
                throw WardenError(.configuration, "database.url: a postgres URL needs a host")
            }
            let database = String(components.path.drop { $0 == "/" })
            let query = components.queryItems ?? []
            let text = query.first { $0.name == "sslmode" }?.value ?? "prefer"
            guard let mode = SSLMode(rawValue: text) else {
                throw WardenError(
                    .configuration,
                    "database.url: sslmode=\(text) is not one of libpq's modes: \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for item in query where !["sslmode", "sslrootcert"].contains(item.name) {
                throw WardenError(.configuration, "database.url: unknown parameter '\(item.name)'; Warden reads sslmode and sslrootcert")
            }
            return .postgres(Postgres(
                host: host, port: components.port ?? 5432, username: components.user ?? "warden",
                password: components.password, database: database.isEmpty ? "warden" : database,
                sslMode: mode, rootCertificate: query.first { $0.name == "sslrootcert" }?.value))
        default:
            throw WardenError(.configuration, "database.url: unknown scheme '\(scheme)'; use sqlite or postgres")
        }
    }

    /// Where it is, without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let pg): "postgres://\(pg.username)@\(pg.host):\(pg.port)/\(pg.database)"
        }
    }

    public var engine: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }
}
