import Logging
import NIOSSL
import PostgresNIO
import WardenCore

extension DatabaseLocation.Postgres {
    /// A client (connection pool) for this server; it works while its `run()` runs.
    public func makeClient() -> PostgresClient {
        PostgresClient(configuration: .init(host: host, port: port, username: username, password: password, database: database, tls: clientTLS))
    }

    /// libpq's sslmode in postgres-nio's terms: nil for no TLS, else whether it is required and how
    /// the certificate is checked. `allow` (plain first, TLS if refused) has no equivalent and is
    /// served as `prefer` (TLS first, plain when the server has none); prefer and require encrypt
    /// without checking the certificate, as libpq does without a root certificate.
    var tlsChoice: (required: Bool, configuration: TLSConfiguration)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        switch sslMode {
        case .disable: return nil
        case .allow, .prefer: configuration.certificateVerification = .none
        case .require: configuration.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        return (sslMode != .allow && sslMode != .prefer, configuration)
    }

    var clientTLS: PostgresClient.Configuration.TLS {
        guard let choice = tlsChoice else { return .disable }
        return choice.required ? .require(choice.configuration) : .prefer(choice.configuration)
    }

    /// One direct connection, so a refusal (no TLS where it is required, a bad password, nothing
    /// listening) is reported at once with its reason; the pool would retry it until a deadline.
    func probe(logger: Logger) async throws {
        let location = "\(DatabaseLocation.postgres(self))"
        let tls: PostgresConnection.Configuration.TLS
        do {
            if let choice = tlsChoice {
                let context = try NIOSSLContext(configuration: choice.configuration)
                tls = choice.required ? .require(context) : .prefer(context)
            } else {
                tls = .disable
            }
        } catch {
            throw WardenError(.configuration, "database.url: the TLS settings cannot be used (\(error)); check sslrootcert", location: location, underlying: error)
        }
        let configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch let error as PSQLError {
            throw WardenError(.runtime, Self.explain(error, mode: sslMode), location: location, underlying: error)
        }
    }

    static func explain(_ error: PSQLError, mode: DatabaseLocation.SSLMode) -> String {
        switch error.code {
        case .sslUnsupported:
            return "the server does not offer TLS, which sslmode=\(mode.rawValue) requires (use sslmode=prefer or disable, or turn ssl on in the server)"
        case .connectionError:
            return "cannot connect to PostgreSQL: \(error.underlying.map { "\($0)" } ?? "connection failed") (is it running and reachable?)"
        case .server:
            return "PostgreSQL refused: \(error.serverInfo?[.message] ?? "\(error)")"
        default:
            return "PostgreSQL connection failed: \(String(reflecting: error))"
        }
    }

    /// Runs `body` with a running client; a server that does not answer within `deadline` is an
    /// error (PostgresClient would otherwise keep retrying the connection).
    public func withClient<T: Sendable>(
        logger: Logger, deadline: Duration = .seconds(15), client given: PostgresClient? = nil,
        _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = given ?? makeClient()
        let location = DatabaseLocation.postgres(self)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            // The deadline is for reaching the server; the work itself (a long migration) may take longer.
            let settings = self
            try await withDeadline(deadline, expired: {
                WardenError(.runtime, "PostgreSQL did not answer within \(deadline.components.seconds) s (is it running and reachable?)", location: "\(location)")
            }) {
                try await settings.probe(logger: logger)
                _ = try await client.query("SELECT 1")
            }
            return try await body(client)
        }
    }
}

extension PostgresClient {
    /// postgres-nio's `withTransaction` (BEGIN, COMMIT, ROLLBACK on error), rethrowing the body's
    /// own error rather than the transaction wrapper, so messages stay the ones the caller wrote.
    public func transaction<T: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        do {
            return try await withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }
}
