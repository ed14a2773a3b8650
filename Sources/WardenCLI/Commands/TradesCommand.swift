import ArgumentParser
import Foundation
import Storage
import Trading
import TradingStore
import WardenCore

/// Reads through the engine's own store: trades per strategy slot and open positions.
private func withStore<T: Sendable>(_ options: CommonOptions, _ body: @escaping @Sendable (any TradingStore) async throws -> T) async throws -> T {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    do {
        let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw WardenError(.usage, "no database yet", location: path)
        }
        return try await location.withTradingStore(logger: .init(label: "warden.cli"), body)
    } catch let error as WardenError {
        throw fail(error)
    }
}

struct TradesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trades", abstract: "The engine's trades per strategy and market, read back from the database (same fields as warden backtest).")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let all = try await withStore(options) { SlotTrades.pair(try await $0.fills()) }
        if json { try printJSON(all); return }
        for entry in all {
            let closed = entry.trades.filter { $0.exitTime != nil }
            let pnl = closed.reduce(0) { $0 + $1.pnl }
            print("\(entry.strategy) on \(entry.market): \(entry.trades.count) trades (\(closed.count) closed), realised pnl \(String(format: "%.2f", pnl))")
        }
    }
}

struct PositionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: "The engine's open positions.")
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let positions = try await withStore(options) { try await $0.positions() }
        if json { try printJSON(positions); return }
        if positions.isEmpty { print("no open positions") }
        for p in positions { print("\(p.strategy): \(p.quantity) \(p.market) at \(p.entryPrice) since \(p.openedAt)") }
    }
}
