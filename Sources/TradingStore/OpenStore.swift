import Foundation
import GRDB
import Logging
import Storage
import Trading

extension DatabaseLocation {
    /// Runs `body` with this process's trading store on its one database handle (a GRDB pool on
    /// the SQLite file; a PostgreSQL client running for exactly as long as `body`).
    public func withTradingStore<T: Sendable>(
        interval: Int64 = 60_000, logger: Logger, _ body: @escaping @Sendable (any TradingStore) async throws -> T
    ) async throws -> T {
        switch self {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // WAL without an fsync per commit: a killed process loses nothing (the WAL is in the page
            // cache); a power cut may lose the last batches, which the loop redoes from its checkpoint.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            let pool = try DatabasePool(path: path, configuration: configuration)
            return try await body(SQLiteTradingStore(database: pool, location: path, interval: interval))
        case .postgres(let postgres):
            let location = "\(self)"
            return try await postgres.withClient(logger: logger) { client in
                try await body(PostgresTradingStore(client: client, location: location, interval: interval))
            }
        }
    }
}
