import Alerting
import ArgumentParser
import Foundation
import Logging
import Runbooks
import Storage
import WardenCore
import WardenProtocol

struct RunbookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "Runbooks: list them, show one, run one step by step (recorded in recovery_runs and the audit log).",
        subcommands: [List.self, Show.self, Run.self])

    struct Location: ParsableArguments {
        @Option(name: .customLong("dir"), help: ArgumentHelp("The runbooks directory (default: $WARDEN_RUNBOOKS, runbooks/ of a checkout, the installed copy).", valueName: "dir"))
        var directory: String?

        func library() throws -> RunbookLibrary {
            guard let directory = directory ?? RunbookLibrary.defaultDirectory() else {
                throw fail(WardenError(.configuration, "no runbooks directory found: pass --dir or set WARDEN_RUNBOOKS"))
            }
            do {
                return try RunbookLibrary(directory: directory)
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every runbook: its name, the alerts it answers, and whether the supervisor runs it by itself.")
        @OptionGroup var location: Location
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let library = try location.library()
            struct Entry: Encodable {
                var name: String, title: String, alerts: [String], steps: Int, automatic: Bool
            }
            let entries = library.runbooks.map { Entry(name: $0.name, title: $0.title, alerts: $0.alerts, steps: $0.steps.count, automatic: $0.recovery != nil) }
            if json { try printJSON(entries); return }
            let width = entries.map(\.name.count).max() ?? 0
            for entry in entries {
                let alerts = entry.alerts.isEmpty ? "procedure" : entry.alerts.joined(separator: ", ")
                print("\(entry.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.title) · \(alerts)\(entry.automatic ? " · automatic" : "")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a runbook, then its steps as warden would run them.")
        @OptionGroup var location: Location
        @Argument(help: "The runbook's name (see `warden runbook list`).") var name: String

        func run() async throws {
            let runbook = try guarded { try location.library().runbook(name) }
            print(runbook.text, terminator: runbook.text.hasSuffix("\n") ? "" : "\n")
            print("\nsteps:")
            for (index, step) in runbook.steps.enumerated() {
                print("  \(index + 1). \(step.name): \(step.summary)\(step.destructive ? " (destructive)" : "")\(step.stage.map { " [stage \($0)]" } ?? "")")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a runbook step by step; stops at the first failed step and asks before a destructive one.",
            discussion: "Exit status 0 when every step succeeded (or on a dry run), 1 when a step failed or was declined.")
        @OptionGroup var location: Location
        @OptionGroup var options: CommonOptions
        @Argument(help: "The runbook's name.") var name: String
        @Flag(help: "Show each step with its parameters filled in; run nothing.") var dryRun = false
        @Flag(help: "Run destructive steps without asking.") var yes = false
        @Option(help: "Who runs it (recorded with the run).") var by = NSUserName()
        @Option(name: .customLong("param"), help: ArgumentHelp("A parameter for the steps' {placeholders}.", valueName: "key=value"))
        var parameters: [String] = []
        @Flag(help: "Print the run's record as JSON at the end.") var json = false
        @Flag(help: "The automatic procedure: its stages in order until the recovery check holds (as the supervisor runs it).")
        var automatic = false
        @Option(help: "What started the run (an alert's name), for the record.") var trigger = "manual"

        func run() async throws {
            let library = try location.library()
            let runbook = try guarded { try library.runbook(name) }
            var values: [String: String] = [:]
            for entry in parameters {
                guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                    throw fail(WardenError(.usage, "--param takes key=value, found '\(entry)'"))
                }
                values[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
            let configuration = try options.loadConfiguration()
            let directories = options.directories(for: configuration)
            let metricsURL = "http://\(configuration.supervisor.listen)/metrics"
            let runner = ProcessStepRunner(
                configPath: options.configPath.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 },
                stateDirectory: directories.state, runtimeDirectory: directories.runtime, runbooks: library.directory,
                evaluate: { expression in
                    do {
                        let text = try await MetricsScrape.fetch(metricsURL)
                        return MetricCheck.evaluate(expression, exposition: text, at: Int64(Date().timeIntervalSince1970 * 1000))
                    } catch {
                        return (false, "\(error)")
                    }
                })
            let quiet = json
            let executor = RunbookExecutor(
                runner: runner, assumeYes: yes, confirm: { step in Self.ask(step) },
                onStep: { step in if !quiet { Self.show(step) } })
            if !json { print("\(dryRun ? "dry run of" : automatic ? "automatic recovery by" : "running") \(runbook.name): \(runbook.title)") }
            let record = try await guarded {
                if automatic, !dryRun { return try await executor.recover(runbook, parameters: values, actor: by, trigger: trigger) }
                return try await executor.execute(runbook, parameters: values, mode: dryRun ? .dryRun : .manual, actor: by, trigger: trigger)
            }
            let logger = Logger(label: "warden.runbook")
            let database = try guarded { try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state) }
            let stored: String?
            do {
                stored = try await DatabaseHandle.with(database, logger: logger) { handle in
                    await RecoveryLog(handle: handle, fallbackDirectory: directories.state + "/recovery", logger: logger).record(record)
                }
            } catch {
                logger.error("the database could not be opened to record the run", metadata: ["error": "\(error)"])
                stored = RecoveryLog.keep(record, in: directories.state + "/recovery", logger: logger)
            }
            if json { try printJSON(record) } else {
                print("\(record.outcome.rawValue) (run \(record.id)\(stored.map { "; not in the database, kept in \($0)" } ?? ""))")
            }
            if [.failed, .declined, .gaveUp].contains(record.outcome) { throw ExitCode(1) }
        }

        static func show(_ step: RunRecord.StepRecord) {
            let mark = switch step.result {
            case .ok: "ok  "
            case .wouldRun: "plan"
            case .failed: "FAIL"
            case .declined: "no  "
            }
            print("  \(mark) \(step.name) — \(step.command)\(step.destructive ? " (destructive)" : "")")
            if step.result == .failed || step.result == .declined {
                for line in step.output.split(separator: "\n", omittingEmptySubsequences: false).suffix(20) { print("       \(line)") }
            }
        }

        /// Asks on the terminal; without one (a pipe, a script) a destructive step is declined, never assumed.
        static func ask(_ step: Runbook.Step) -> Bool {
            guard isatty(STDIN_FILENO) != 0 else {
                printError("warden: '\(step.name)' is destructive and there is no terminal to ask: pass --yes to run it")
                return false
            }
            FileHandle.standardError.write(Data("  '\(step.name)' will run: \(step.summary). Run it? [y/N] ".utf8))
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            return answer == "y" || answer == "yes"
        }
    }
}

/// Runs `body`; a WardenError prints as one line and becomes its exit status.
private func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as WardenError {
        throw fail(error)
    }
}

private func guarded<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as WardenError {
        throw fail(error)
    }
}
