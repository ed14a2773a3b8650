import Foundation
import Logging
import Storage
import Trading

extension DatabaseHandle {
    /// The trading store on this handle.
    public func tradingStore(interval: Int64 = 60_000) -> any TradingStore {
        switch engine {
        case .sqlite(let path, let pool): SQLiteTradingStore(database: pool, location: path, interval: interval)
        case .postgres(_, let client): PostgresTradingStore(client: client, location: "\(location)", interval: interval)
        }
    }
}

extension DatabaseLocation {
    /// Runs `body` with this process's trading store on its one database handle (a GRDB pool on
    /// the SQLite file; a PostgreSQL client running for exactly as long as `body`).
    public func withTradingStore<T: Sendable>(
        interval: Int64 = 60_000, logger: Logger, _ body: @escaping @Sendable (any TradingStore) async throws -> T
    ) async throws -> T {
        try await DatabaseHandle.with(self, logger: logger) { handle in try await body(handle.tradingStore(interval: interval)) }
    }
}
