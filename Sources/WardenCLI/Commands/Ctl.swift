import ArgumentParser
import ControlPlane
import Foundation
import WardenCore
import WardenProtocol

struct Ctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk to a running supervisor through its control socket (RUNTIME_DIR/control.sock).",
        subcommands: [Status.self, Start.self, Stop.self, Restart.self, Reload.self, Run.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each child's state, pid, uptime, restarts, last exit reason and STATUS= text.")

        @Flag(help: "Print JSON (times are Unix seconds).") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let status = try await withClient(options) { try await $0.status() }
            if json {
                try printJSON(status)
            } else {
                print(StatusTable.render(status, now: Date().timeIntervalSince1970))
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a stopped or failed child.")
        @Argument(help: "Child name.") var name: String
        @OptionGroup var options: CommonOptions
        func run() async throws { try await perform(.start(name), options) }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a child (SIGTERM, then SIGKILL after its stop timeout); it stays down until started.")
        @Argument(help: "Child name.") var name: String
        @OptionGroup var options: CommonOptions
        func run() async throws { try await perform(.stop(name), options) }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a child and start it again at once.")
        @Argument(help: "Child name.") var name: String
        @OptionGroup var options: CommonOptions
        func run() async throws { try await perform(.restart(name), options) }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scheduled job (backup, maintenance) now, as the supervisor would.")
        @Argument(help: "Job name.") var name: String
        @OptionGroup var options: CommonOptions
        func run() async throws { try await perform(.runJob(name), options) }
    }

    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read the configuration (as SIGHUP does); a bad file is refused and the running one stays.")
        @OptionGroup var options: CommonOptions
        func run() async throws { try await perform(.reload, options) }
    }
}

func withClient<T>(_ options: CommonOptions, _ body: (ControlClient) async throws -> T) async throws -> T {
    let configuration = try options.loadConfiguration()
    let client = ControlClient(socketPath: options.directories(for: configuration).controlSocket)
    do {
        return try await body(client)
    } catch let error as WardenError {
        throw fail(error)
    }
}

private func perform(_ request: ControlRequest, _ options: CommonOptions) async throws {
    let reply = try await withClient(options) { try await $0.perform(request) }
    for line in reply.errors ?? [] { printError(line) }
    guard reply.ok else { throw fail(WardenError(.usage, reply.message)) }
    print(reply.message)
}

/// The human form of `warden ctl status`.
enum StatusTable {
    static func render(_ status: SupervisorStatus, now: Double) -> String {
        let age = { (seconds: Double) in SupervisorStatus.shortDuration(seconds) }
        var lines = ["supervisor: \(status.state) (pid \(status.pid), up \(age(now - status.startedAt)))"]
        let header = ["CHILD", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "STATUS"]
        var rows = [header]
        for child in status.children {
            rows.append([
                child.name, child.state, child.pid.map(String.init) ?? "-",
                child.readyAt.map { age(now - $0) } ?? "-", String(child.restarts),
                child.lastExit.map { "\($0.cause): \($0.detail)" } ?? "-",
                child.statusText ?? child.downReason ?? "-",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
        }
        if !status.jobs.isEmpty {
            lines.append("")
            var jobRows = [["JOB", "STATE", "RUNS", "LAST RESULT", "NEXT RUN"]]
            for job in status.jobs {
                jobRows.append([
                    job.name, job.state + (job.pid.map { " (pid \($0))" } ?? ""),
                    "\(job.runs["success"] ?? 0) ok, \(job.runs["failure"] ?? 0) failed", job.lastResult ?? "-",
                    job.nextRunAt.map { "in " + age($0 - now) } ?? "-",
                ])
            }
            let jobWidths = jobRows[0].indices.map { column in jobRows.map { $0[column].count }.max() ?? 0 }
            for row in jobRows {
                lines.append(row.enumerated().map { index, cell in
                    index == row.count - 1 ? cell : cell.padding(toLength: jobWidths[index], withPad: " ", startingAt: 0)
                }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
