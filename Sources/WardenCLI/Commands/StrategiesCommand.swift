import ArgumentParser
import Foundation
import Trading
import WardenCore
import WardenProtocol

struct StrategiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "The running engine's strategies: list them, activate, deactivate, set parameters (journaled at the next bar).",
        subcommands: [List.self, Activate.self, Deactivate.self, Set.self])

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
                print("\(s.name) on \(s.market): \(s.active ? "active" : "inactive") · position \(s.position) · \(parameters)")
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
        @Argument(help: ArgumentHelp("Parameters, e.g. period=30.", valueName: "key=value")) var assignments: [String]
        @Option(help: "Only on this market (default: every market it runs on).") var market: String?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws {
            var changes: [String: Double] = [:]
            for text in assignments {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]) else {
                    throw fail(WardenError(.usage, "expected key=value with a number, found '\(text)'", location: "warden strategies set"))
                }
                changes[parts[0]] = value
            }
            guard !changes.isEmpty else { throw fail(WardenError(.usage, "name at least one key=value", location: "warden strategies set")) }
            print(try await engine(options) { try await $0.setParameters(changes, strategy: name, market: market, by: by) }.message)
        }
    }
}
