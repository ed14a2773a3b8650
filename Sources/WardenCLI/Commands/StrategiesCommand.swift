import ArgumentParser
import Foundation
import Logging
import Storage
import TradingStore
import Trading
import WardenCore
import WardenProtocol

struct StrategiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "The running engine's strategies: list, create, archive, activate, deactivate, set parameters (journaled at the next bar).",
        subcommands: [List.self, Create.self, Archive.self, Activate.self, Deactivate.self, Set.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each strategy on each market: state, parameters (with bounds), position.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let reply = try await engine(options) { try await $0.strategies() }
            if json { try printJSON(reply.strategies); return }
            for s in reply.strategies {
                let parameters = s.bounds.map { b in
                    "\(b.name)=\(IndicatorSpec.shortest(s.parameters[b.name] ?? b.defaultValue)) [\(IndicatorSpec.shortest(b.min))..\(IndicatorSpec.shortest(b.max))]"
                }.joined(separator: " ")
                let state = s.archived ? "archived" : s.active ? "active" : "inactive"
                print("\(s.name) on \(s.market): \(state)\(s.createdBy.map { " (created by \($0))" } ?? "") · position \(s.position) · \(parameters)")
            }
        }
    }

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a strategy open positions again.")
        @Argument(help: "Strategy name.") var name: String
        @Option(help: "Only on this market (default: every market it runs on).") var market: String?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws { print(try await engine(options) { try await $0.setActive(true, strategy: name, market: market, by: by) }.message) }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a strategy's entries; its open position still exits by signal, stop or target.")
        @Argument(help: "Strategy name.") var name: String
        @Option(help: "Only on this market (default: every market it runs on).") var market: String?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws { print(try await engine(options) { try await $0.setActive(false, strategy: name, market: market, by: by) }.message) }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change parameters, checked against their bounds; the strategy is rebuilt and warmed over the stored candles.")
        @Argument(help: "Strategy name.") var name: String
        @Argument(help: ArgumentHelp("Parameters, e.g. period=30.", valueName: "key=value")) var assignments: [String] = []
        @Option(name: .customLong("from-run"), help: ArgumentHelp("The best parameters of a stored optimisation run (warden optimize list).", valueName: "id"))
        var fromRun: String?
        @Option(help: "Only on this market (default: every market it runs on).") var market: String?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws {
            var changes = try assignmentValues(assignments, command: "warden strategies set")
            if let fromRun {
                let (location, _) = try await options.migratedDatabase()
                let logger = Logger(label: "warden.strategies")
                guard let run = try await DatabaseHandle.with(location, logger: logger, { try await OptimisationRuns.run(fromRun, on: $0, logger: logger) }) else {
                    throw fail(WardenError(.usage, "no optimisation run has the id (or unique prefix) '\(fromRun)'; see warden optimize list", location: "--from-run"))
                }
                guard run.strategy == name else { throw fail(WardenError(.usage, "\(run.id) optimised \(run.strategy), not \(name)", location: "--from-run")) }
                guard let best = run.bestParameters else { throw fail(WardenError(.usage, "\(run.id) found no best point (no trial reached its minimum trades)", location: "--from-run")) }
                // Given key=value pairs win over the run's.
                changes = best.merging(changes) { _, given in given }
            }
            guard !changes.isEmpty else { throw fail(WardenError(.usage, "name at least one key=value, or --from-run ID", location: "warden strategies set")) }
            print(try await engine(options) { try await $0.setParameters(changes, strategy: name, market: market, by: by) }.message)
        }
    }
}

extension StrategiesCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a strategy on markets it does not run on yet; warmed over the stored candles, journaled, kept across restarts.")
        @Argument(help: "Strategy name (cci, rsi_macd, bollinger).") var name: String
        @Argument(help: ArgumentHelp("Parameters other than the defaults, e.g. period=30.", valueName: "key=value")) var assignments: [String] = []
        @Option(help: "A market to run it on (repeatable; default: every market the engine trades that it does not run on).") var market: [String] = []
        @Flag(help: "Create it inactive (activate it later).") var inactive = false
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let wanted = NewStrategy(
                strategy: name, markets: market.isEmpty ? nil : market, parameters: try assignmentValues(assignments, command: "warden strategies create"),
                active: !inactive)
            print(try await engine(options) { try await $0.create(wanted, by: by) }.message)
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a strategy aside: inactive and out of the equity shares; its open position still exits. `activate` brings it back.")
        @Argument(help: "Strategy name.") var name: String
        @Option(help: "Only on this market (default: every market it runs on).") var market: String?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws { print(try await engine(options) { try await $0.archive(strategy: name, market: market, by: by) }.message) }
    }
}

/// `key=value` arguments with numbers, or a usage error naming the one that is not.
func assignmentValues(_ assignments: [String], command: String) throws -> [String: Double] {
    var values: [String: Double] = [:]
    for text in assignments {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]), value.isFinite else {
            throw fail(WardenError(.usage, "expected key=value with a number, found '\(text)'", location: command))
        }
        values[parts[0]] = value
    }
    return values
}
