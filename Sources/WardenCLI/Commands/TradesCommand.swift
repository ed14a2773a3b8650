import ArgumentParser
import Engine
import Foundation
import Storage
import WardenCore

/// The engine's SQLite journal, or exit with a clear error.
private func journalPath(_ options: CommonOptions) throws -> String {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    do {
        guard case .sqlite(let path) = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state) else {
            throw WardenError(.usage, "the engine's journal runs on SQLite only so far")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw WardenError(.usage, "no database yet", location: path) }
        return path
    } catch let error as WardenError {
        throw fail(error)
    }
}

struct TradesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trades", abstract: "The engine's trades per strategy, read back from the database (same fields as warden backtest).")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() throws {
        let all = try TradeLedger.trades(databasePath: journalPath(options))
        if json { try printJSON(all); return }
        for entry in all {
            let closed = entry.trades.filter { $0.exitTime != nil }
            let pnl = closed.reduce(0) { $0 + $1.pnl }
            print("\(entry.strategy): \(entry.trades.count) trades (\(closed.count) closed), realised pnl \(String(format: "%.2f", pnl))")
        }
    }
}

struct PositionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: "The engine's open positions.")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() throws {
        let positions = try TradeLedger.positions(databasePath: journalPath(options))
        if json { try printJSON(positions); return }
        if positions.isEmpty { print("no open positions") }
        for p in positions { print("\(p.strategy): \(p.quantity) \(p.symbol) at \(p.entryPrice) since \(p.openedAt)") }
    }
}
