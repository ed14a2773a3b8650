import Logging
import NIOSSL
import PostgresNIO
import WardenCore

extension DatabaseLocation.Postgres {
    /// A client (connection pool) for this server; it works while its `run()` runs.
    public func makeClient() -> PostgresClient {
        PostgresClient(configuration: .init(
            host: host, port: port, username: username, password: password, database: database,
            tls: tls ? .require(.makeClientConfiguration()) : .disable))
    }

    /// Runs `body` with a running client; a server that does not answer within `deadline` is an
    /// error (PostgresClient would otherwise keep retrying the connection).
    public func withClient<T: Sendable>(
        logger: Logger, deadline: Duration = .seconds(15), _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = makeClient()
        let location = DatabaseLocation.postgres(self)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            // The deadline is for reaching the server; the work itself (a long migration) may take longer.
            try await withThrowingTaskGroup(of: Bool.self) { probe in
                probe.addTask {
                    try await client.query("SELECT 1")
                    return true
                }
                probe.addTask {
                    try await Task.sleep(for: deadline)
                    throw WardenError(
                        .runtime, "PostgreSQL did not answer within \(deadline.components.seconds) s (is it running and reachable?)",
                        location: "\(location)")
                }
                defer { probe.cancelAll() }
                _ = try await probe.next()
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
