import ArgumentParser
import Foundation
import WardenCore
import WardenProtocol

struct TradingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trading",
        abstract: "The engine's kill switch: status, pause new entries, resume after a pause or a risk halt.",
        subcommands: [Status.self, Pause.self, Resume.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "trading, paused, halted (and why) or finished.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let reply = try await engine(options) { try await $0.status() }
            if json { try printJSON(reply.status); return }
            let s = reply.status
            print("\(s.state)\(s.reason.map { ": \($0)" } ?? "") · bar \(s.bar) of \(s.bars) · equity \(String(format: "%.2f", s.equity))")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop opening positions (exits, stops and take-profits still run).")
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws { print(try await engine(options) { try await $0.pause(by: by) }.message) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow entries again after a pause or a risk-limit halt.")
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @OptionGroup var options: CommonOptions
        func run() async throws { print(try await engine(options) { try await $0.resume(by: by) }.message) }
    }
}

/// One call to the running engine's socket, its errors as the CLI's.
func engine<T: Sendable>(_ options: CommonOptions, timeout: Duration = .seconds(10), _ body: (EngineClient) async throws -> T) async throws -> T {
    let configuration = try options.loadConfiguration()
    let socket = options.directories(for: configuration).workerSocket("engine")
    do {
        return try await body(EngineClient(socketPath: socket, timeout: timeout))
    } catch let error as WardenError {
        throw fail(error)
    }
}
