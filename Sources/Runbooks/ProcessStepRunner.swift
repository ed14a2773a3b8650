import Foundation

/// Runs steps as the CLI and the supervisor do: `warden` (this same executable) as a child
/// process with the caller's configuration, state and runtime directories in its environment,
/// and checks through `evaluate` (PromQL over a scrape of the supervisor's /metrics).
public struct ProcessStepRunner: StepRunner {
    public var executable: String
    public var environment: [String: String]
    public var evaluate: @Sendable (String) async -> (holds: Bool, detail: String)

    public init(
        executable: String = ProcessStepRunner.currentExecutable, configPath: String?, stateDirectory: String, runtimeDirectory: String,
        runbooks: String? = nil, evaluate: @escaping @Sendable (String) async -> (holds: Bool, detail: String)
    ) {
        self.executable = executable
        var environment = ProcessInfo.processInfo.environment
        if let configPath { environment["WARDEN_CONFIG"] = configPath } else { environment.removeValue(forKey: "WARDEN_CONFIG") }
        environment["STATE_DIRECTORY"] = stateDirectory
        environment["RUNTIME_DIRECTORY"] = runtimeDirectory
        // A step that reads runbooks (`runbook show`) reads the same ones.
        if let runbooks { environment["WARDEN_RUNBOOKS"] = runbooks }
        self.environment = environment
        self.evaluate = evaluate
    }

    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    public func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        await Self.launch(executable, arguments, environment: environment)
    }

    /// Runs `executable` to its end: exit status and combined output (127 when it cannot start).
    public static func launch(_ executable: String, _ arguments: [String], environment: [String: String]) async -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (127, "could not start \(executable): \(error.localizedDescription)")
        }
        // Read while it runs (a full pipe would block it), then collect its status.
        let reader = pipe.fileHandleForReading
        let output = await Task.detached { (try? reader.readToEnd()) ?? Data() }.value
        let status = await Task.detached { () -> Int32 in
            process.waitUntilExit()
            return process.terminationStatus
        }.value
        return (status, String(decoding: output, as: UTF8.self))
    }

    public func check(_ expression: String) async -> (holds: Bool, detail: String) { await evaluate(expression) }
}
