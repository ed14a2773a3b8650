import ArgumentParser
import Foundation
import ControlPlane
import WardenProtocol

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "The health model: system, network and application checks with their state and last success.",
        discussion: "Exit 0 when ready (the application layer does not fail), 1 when not, 69 when no supervisor answers.")
    @Flag(help: "Print JSON (what /readyz returns).") var json = false
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let report = try await withClient(options) { try await $0.health() }
        if json {
            try printJSON(report)
        } else {
            print("\(report.status.rawValue) · \(report.ready ? "ready" : "NOT READY")")
            for layer in report.layers {
                print("\(layer.name): \(layer.status.rawValue)")
                for check in layer.checks {
                    let since = check.lastSuccess.map { check.status == .pass ? "" : " (last ok \(Int(report.at - $0)) s ago)" } ?? (check.status == .pass ? "" : " (never ok)")
                    print("  \(check.status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)) \(check.name): \(check.detail)\(since)")
                }
            }
        }
        if !report.ready { throw ExitCode(1) }
    }
}
