import ArgumentParser
import Foundation
import WardenCore
import Worker

/// Shared by `warden engine` and `warden api`.
private func runWorker(role: String, options: CommonOptions) async throws {
    let configuration = try options.loadConfiguration()
    let directories = options.directories(for: configuration)
    let name = ProcessInfo.processInfo.environment["WARDEN_CHILD_NAME"] ?? role
    let logger = try LogBootstrap.start(configuration, label: role == "engine" ? "warden.trading" : "warden.api")
    let worker = WorkerService(
        role: role, name: name, socketPath: directories.workerSocket(name),
        readyStatus: "\(role): idle (lifecycle only; its work arrives with a later issue)", logger: logger)
    do {
        try await worker.run()
    } catch {
        throw fail(WardenError(.runtime, "\(error)", location: directories.workerSocket(name)))
    }
}

struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the trading engine worker (started by the supervisor).",
        discussion: """
            For now this is the worker lifecycle and nothing else: READY=1 once RUNTIME_DIR/<name>.sock serves \
            /healthz, WATCHDOG=1 at half of WATCHDOG_USEC, STATUS=, and STOPPING=1 with a clean exit on SIGTERM. \
            Market data, strategies, risk and paper trading arrive with the trading issue.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws { try await runWorker(role: "engine", options: options) }
}

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Run the API worker (started by the supervisor).",
        discussion: """
            For now this is the worker lifecycle and nothing else: READY=1 once RUNTIME_DIR/<name>.sock serves \
            /healthz, WATCHDOG=1 at half of WATCHDOG_USEC, STATUS=, and STOPPING=1 with a clean exit on SIGTERM. \
            REST, WebSocket and authentication arrive with the API issue.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws { try await runWorker(role: "api", options: options) }
}
