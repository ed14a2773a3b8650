import ArgumentParser
import Engine
import Foundation
import Storage
import WardenCore

/// The engine's journal: the trades per strategy and the open positions.
private func ledger(_ options: CommonOptions) async throws -> (trades: [TradeLedger.StrategyTrades], positions: [TradeLedger.Position]) {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    do {
        switch try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state) {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw WardenError(.usage, "no database yet", location: path) }
            return (try TradeLedger.trades(databasePath: path), try TradeLedger.positions(databasePath: path))
        case .postgres(let postgres):
            let journal = PostgresJournal(postgres, symbol: configuration.engine.symbol)
            return try await withThrowingTaskGroup(of: (trades: [TradeLedger.StrategyTrades], positions: [TradeLedger.Position])?.self) { group in
                group.addTask {
                    await journal.run()
                    return nil
                }
                defer { group.cancelAll() }
                let read = try await journal.ledger()
                return (TradeLedger.trades(strategies: read.strategies, fills: read.fills), read.positions)
            }
        }
    } catch let error as WardenError {
        throw fail(error)
    }
}

struct TradesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trades", abstract: "The engine's trades per strategy, read back from the database (same fields as warden backtest).")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let all = try await ledger(options).trades
        if json { try printJSON(all); return }
        for entry in all {
            let closed = entry.trades.filter { $0.exitTime != nil }
            let pnl = closed.reduce(0) { $0 + $1.pnl }
            print("\(entry.strategy): \(entry.trades.count) trades (\(closed.count) closed), realised pnl \(String(format: "%.2f", pnl))")
        }
    }
}

struct PositionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: "The engine's open positions.")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let positions = try await ledger(options).positions
        if json { try printJSON(positions); return }
        if positions.isEmpty { print("no open positions") }
        for p in positions { print("\(p.strategy): \(p.quantity) \(p.symbol) at \(p.entryPrice) since \(p.openedAt)") }
    }
}
