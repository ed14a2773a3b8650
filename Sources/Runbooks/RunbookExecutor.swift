import Foundation
import WardenCore

/// What runs a step for the executor: `warden` itself as a child process, and PromQL over the
/// supervisor's metrics (the CLI's and the supervisor's implementations; tests bring their own).
public protocol StepRunner: Sendable {
    /// Runs `warden` with `arguments`: its exit status and combined output.
    func run(_ arguments: [String]) async -> (status: Int32, output: String)
    /// Evaluates `expression` once: whether it holds, and what it saw.
    func check(_ expression: String) async -> (holds: Bool, detail: String)
}

/// Runs a runbook's steps in order, stopping at the first that fails; asks before a destructive
/// step unless told yes; a dry run shows every step filled in and runs none. Time comes from the
/// injected `now` and `pause`, so polling a check is tested without waiting.
public struct RunbookExecutor: Sendable {
    public enum Mode: String, Sendable, Codable {
        case manual
        case dryRun = "dry_run"
        case automatic
    }

    public var runner: any StepRunner
    /// Asked before a destructive step (not in a dry run, not with `assumeYes`).
    public var confirm: @Sendable (Runbook.Step) async -> Bool
    public var assumeYes: Bool
    /// How long to wait between polls of a check with `within`.
    public var pollInterval: Duration
    public var now: @Sendable () -> Int64
    public var pause: @Sendable (Duration) async -> Void
    /// Told after every step, for a person watching.
    public var onStep: @Sendable (RunRecord.StepRecord) -> Void

    public init(
        runner: any StepRunner, assumeYes: Bool = false, pollInterval: Duration = .seconds(1),
        confirm: @escaping @Sendable (Runbook.Step) async -> Bool = { _ in false },
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
        pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        onStep: @escaping @Sendable (RunRecord.StepRecord) -> Void = { _ in }
    ) {
        self.runner = runner
        self.assumeYes = assumeYes
        self.pollInterval = pollInterval
        self.confirm = confirm
        self.now = now
        self.pause = pause
        self.onStep = onStep
    }

    /// Runs `steps` (the runbook's own by default) with the parameters filled in; a placeholder
    /// without a value fails before anything runs.
    public func execute(
        _ runbook: Runbook, steps: [Runbook.Step]? = nil, parameters: [String: String] = [:], mode: Mode, actor: String, trigger: String = "manual"
    ) async throws(WardenError) -> RunRecord {
        let values = runbook.parameters.merging(parameters) { _, given in given }
        let resolved = try (steps ?? runbook.steps).map { step throws(WardenError) in try step.resolved(values, in: runbook.name) }
        var record = RunRecord(
            id: UUID().uuidString.lowercased(), runbook: runbook.name, actor: actor, mode: mode, trigger: trigger, parameters: values,
            startedAt: now(), finishedAt: nil, outcome: .succeeded, steps: [])
        for step in resolved {
            let result = await perform(step, mode: mode)
            record.steps.append(result)
            onStep(result)
            switch result.result {
            case .ok, .wouldRun: continue
            case .failed: record.outcome = .failed
            case .declined: record.outcome = .declined
            }
            break
        }
        if mode == .dryRun { record.outcome = .dryRun }
        record.finishedAt = now()
        return record
    }

    func perform(_ step: Runbook.Step, mode: Mode) async -> RunRecord.StepRecord {
        let started = now()
        func done(_ result: RunRecord.StepResult, _ output: String) -> RunRecord.StepRecord {
            RunRecord.StepRecord(
                name: step.name, command: step.summary, destructive: step.destructive, startedAt: started, finishedAt: now(), result: result,
                output: RunRecord.trimmed(output))
        }
        if mode == .dryRun { return done(.wouldRun, step.destructive ? "destructive: would ask first" : "") }
        if step.destructive, mode == .manual, !assumeYes, !(await confirm(step)) { return done(.declined, "declined by the operator") }
        switch step.action {
        case .run(let arguments):
            let (status, output) = await runner.run(arguments)
            if status != step.exitStatus { return done(.failed, "exit status \(status), expected \(step.exitStatus)\n" + output) }
            if let text = step.contains, !output.contains(text) { return done(.failed, "the output does not contain '\(text)'\n" + output) }
            if let text = step.absent, output.contains(text) { return done(.failed, "the output contains '\(text)'\n" + output) }
            return done(.ok, output)
        case .check(let expression):
            let polls = step.within.map { max(1, Int(($0.seconds / pollInterval.seconds).rounded(.up)) + 1) } ?? 1
            var last = ""
            for attempt in 0..<polls {
                if attempt > 0 { await pause(pollInterval) }
                let (holds, detail) = await runner.check(expression)
                if holds { return done(.ok, detail) }
                last = detail
            }
            let waited = step.within.map { " within \(DurationText.format($0))" } ?? ""
            return done(.failed, "did not hold\(waited): \(last)")
        }
    }
}

/// One run of a runbook and each of its steps, as `recovery_runs` and the audit log keep them.
public struct RunRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case succeeded, failed, declined
        case dryRun = "dry_run"
        /// Automatic recovery: every stage ran and the verification never held; a person was paged.
        case gaveUp = "gave_up"
        /// Automatic recovery: skipped (disabled, or past its runs per hour); a person was paged.
        case skipped
    }

    public enum StepResult: String, Sendable, Codable {
        case ok, failed, declined
        case wouldRun = "would_run"
    }

    public struct StepRecord: Sendable, Codable, Equatable {
        public var name: String
        public var command: String
        public var destructive: Bool
        public var startedAt: Int64
        public var finishedAt: Int64
        public var result: StepResult
        public var output: String

        enum CodingKeys: String, CodingKey {
            case name, command, destructive, result, output
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    public var id: String
    public var runbook: String
    public var actor: String
    public var mode: RunbookExecutor.Mode
    /// `manual`, or the alert that started an automatic run.
    public var trigger: String
    public var parameters: [String: String]
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var outcome: Outcome
    public var steps: [StepRecord]

    enum CodingKeys: String, CodingKey {
        case id, runbook, actor, mode, trigger, parameters, outcome, steps
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Outputs are kept to their last 4 KiB: what a person needs to see why, not a whole log.
    static func trimmed(_ output: String) -> String {
        let limit = 4096
        guard output.utf8.count > limit else { return output }
        return "…" + String(decoding: output.utf8.suffix(limit), as: UTF8.self)
    }
}

extension RunbookExecutor {
    /// A runbook's automatic procedure: stage 1's steps, then its verification (polled for
    /// `recovery.within`); when it does not hold, stage 2, and so on. A stage whose step fails
    /// escalates at once. Ends `succeeded` at the first stage after which the verification holds,
    /// else `gaveUp` (the caller pages a person). One record holds every stage's steps.
    public func recover(_ runbook: Runbook, parameters: [String: String] = [:], actor: String, trigger: String) async throws(WardenError) -> RunRecord {
        guard let recovery = runbook.recovery else {
            throw WardenError(.usage, "runbook \(runbook.name) has no recovery section: it is for people only", location: runbook.path)
        }
        let verify = Runbook.Step(
            name: "verify", action: .check(recovery.verify), destructive: false, exitStatus: 0, contains: nil, absent: nil, within: recovery.within, stage: nil,
            line: 0)
        var record = RunRecord(
            id: UUID().uuidString.lowercased(), runbook: runbook.name, actor: actor, mode: .automatic, trigger: trigger,
            parameters: runbook.parameters.merging(parameters) { _, given in given }, startedAt: now(), finishedAt: nil, outcome: .gaveUp, steps: [])
        for (number, steps) in runbook.stages {
            var named = steps
            var check = verify
            check.name = "verify after stage \(number)"
            named.append(check)
            let stage = try await execute(runbook, steps: named, parameters: parameters, mode: .automatic, actor: actor, trigger: trigger)
            record.steps += stage.steps.map { step in
                var step = step
                step.name = "stage \(number): \(step.name)"
                return step
            }
            if stage.outcome == .succeeded {
                record.outcome = .succeeded
                break
            }
        }
        record.finishedAt = now()
        return record
    }
}
