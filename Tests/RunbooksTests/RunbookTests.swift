import Foundation
import Synchronization
import Testing
import WardenCore
@testable import Runbooks

/// Answers steps from a script: each `run` by its first argument, each check by a countdown.
final class ScriptedRunner: StepRunner {
    let answers: [String: (Int32, String)]
    let checksFailingFirst: Int
    let ran = Mutex<[[String]]>([])
    let checks = Mutex(0)

    init(answers: [String: (Int32, String)] = [:], checksFailingFirst: Int = 0) {
        self.answers = answers
        self.checksFailingFirst = checksFailingFirst
    }

    func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        ran.withLock { $0.append(arguments) }
        return answers[arguments[0]] ?? (0, "done")
    }

    func check(_ expression: String) async -> (holds: Bool, detail: String) {
        let n = checks.withLock { count in
            count += 1
            return count
        }
        return n > checksFailingFirst ? (true, "\(expression) held") : (false, "not yet")
    }
}

@Suite("Runbooks: the format, and running one")
struct RunbookTests {
    static let text = """
        ---
        name: child-down
        title: A worker is down
        alerts: [WardenChildDown]
        parameters:
          child: engine
        recovery:
          verify: 'warden_child_up{child="{child}"} == 1'
          within: 30s
          max_per_hour: 2
        ---
        # A worker is down

        ```step
        name: See why
        run: ctl status
        expect:
          contains: "state"
        ```

        Text for a person.

        ```sh
        systemctl status warden
        ```

        ```step
        name: Restart it
        run: ctl restart {child}
        destructive: true
        stage: 1
        ```

        ```step
        name: It is back
        check: 'warden_child_up{child="{child}"} == 1'
        within: 5s
        ```
        """

    @Test("front matter, step blocks among prose (other fences ignored), placeholders, recovery stages")
    func parse() throws {
        let runbook = try RunbookParser.parse(Self.text, path: "child-down.md")
        #expect(runbook.name == "child-down" && runbook.alerts == ["WardenChildDown"] && runbook.parameters == ["child": "engine"])
        #expect(runbook.steps.map(\.name) == ["See why", "Restart it", "It is back"])
        #expect(runbook.steps[0].action == .run(["ctl", "status"]) && runbook.steps[0].contains == "state")
        #expect(runbook.steps[1].destructive && runbook.steps[1].stage == 1 && runbook.steps[1].line == 28, "its first line in the file")
        #expect(runbook.steps[2].within == .seconds(5))
        #expect(runbook.recovery == Runbook.Recovery(verify: #"warden_child_up{child="{child}"} == 1"#, within: .seconds(30), maxPerHour: 2))
        #expect(runbook.stages.map(\.stage) == [1])
        let filled = try runbook.steps[2].resolved(["child": "api"], in: runbook.name)
        #expect(filled.action == .check(#"warden_child_up{child="api"} == 1"#), "PromQL braces stay, the placeholder is filled")
    }

    @Test("bad runbooks are refused with the file, the line and what is wrong")
    func refusals() {
        func problem(_ text: String) -> String {
            do {
                _ = try RunbookParser.parse(text, path: "x.md")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("# no front matter").contains("x.md:1"))
        #expect(problem("---\ntitle: t\n---\n").contains("needs a name"))
        let both = "---\nname: x\ntitle: t\n---\n\n```step\nname: s\nrun: ctl status\ncheck: up == 1\n```\n"
        #expect(problem(both).contains("x.md:7") && problem(both).contains("exactly one of run"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\nrun: warden ctl status\n```\n").contains("without 'warden'"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\nrun: ctl status\nretries: 3\n```\n").contains("unknown step key 'retries'"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\ncheck: up\nwithin: soon\n```\n").contains("not a duration"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\nrun: ctl start\nstage: 1\n```\n").contains("no recovery section"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\nrun: \"ctl 'start\"\n```\n").contains("unclosed quote"))
        #expect(problem("---\nname: x\ntitle: t\n---\n```step\nname: s\n").contains("never closed"))
    }

    @Test("a run goes step by step; a destructive step is asked about; --yes skips the question; a missing parameter fails before anything runs")
    func run() async throws {
        let runbook = try RunbookParser.parse(Self.text, path: "child-down.md")
        let runner = ScriptedRunner(answers: ["ctl": (0, "engine state running")])
        let asked = Mutex<[String]>([])
        let executor = RunbookExecutor(runner: runner, confirm: { step in asked.withLock { $0.append(step.name) }; return true }, pause: { _ in })
        let record = try await executor.execute(runbook, parameters: ["child": "api"], mode: .manual, actor: "ana")
        #expect(record.outcome == .succeeded && record.steps.map(\.result) == [.ok, .ok, .ok])
        #expect(runner.ran.withLock { $0 } == [["ctl", "status"], ["ctl", "restart", "api"]])
        #expect(asked.withLock { $0 } == ["Restart it"], "only the destructive step is asked about")
        #expect(record.actor == "ana" && record.parameters == ["child": "api"])

        let unasked = RunbookExecutor(runner: ScriptedRunner(answers: ["ctl": (0, "state")]), assumeYes: true, confirm: { _ in Issue.record("asked"); return false }, pause: { _ in })
        #expect(try await unasked.execute(runbook, mode: .manual, actor: "ana").outcome == .succeeded)

        var noDefault = runbook
        noDefault.parameters = [:]
        await #expect(throws: WardenError.self) { try await executor.execute(noDefault, mode: .manual, actor: "ana") }
    }

    @Test("a dry run runs nothing and shows every step filled in")
    func dryRun() async throws {
        let runbook = try RunbookParser.parse(Self.text, path: "child-down.md")
        let runner = ScriptedRunner()
        let record = try await RunbookExecutor(runner: runner, pause: { _ in }).execute(runbook, mode: .dryRun, actor: "ana")
        #expect(record.outcome == .dryRun && record.steps.allSatisfy { $0.result == .wouldRun })
        #expect(record.steps.map(\.command) == ["warden ctl status", "warden ctl restart engine", #"check: warden_child_up{child="engine"} == 1"#])
        #expect(runner.ran.withLock { $0 }.isEmpty && runner.checks.withLock { $0 } == 0)
    }

    @Test("the first failed step stops the run: a wrong exit status, missing text, a declined destructive step, a check that never holds")
    func failures() async throws {
        let runbook = try RunbookParser.parse(Self.text, path: "child-down.md")
        let exits = try await RunbookExecutor(runner: ScriptedRunner(answers: ["ctl": (69, "nothing is listening")]), pause: { _ in })
            .execute(runbook, mode: .manual, actor: "ana")
        #expect(exits.outcome == .failed && exits.steps.count == 1 && exits.steps[0].output.contains("exit status 69"))

        let text = try await RunbookExecutor(runner: ScriptedRunner(answers: ["ctl": (0, "no such word")]), pause: { _ in })
            .execute(runbook, mode: .manual, actor: "ana")
        #expect(text.outcome == .failed && text.steps[0].output.contains("does not contain 'state'"))

        let declined = ScriptedRunner(answers: ["ctl": (0, "state")])
        let refused = try await RunbookExecutor(runner: declined, confirm: { _ in false }, pause: { _ in }).execute(runbook, mode: .manual, actor: "ana")
        #expect(refused.outcome == .declined && refused.steps.map(\.result) == [.ok, .declined])
        #expect(declined.ran.withLock { $0 }.count == 1, "the declined step did not run")

        // within 5s at 1s polls: six looks at most, none held.
        let never = ScriptedRunner(answers: ["ctl": (0, "state")], checksFailingFirst: 100)
        let pauses = Mutex(0)
        let waited = try await RunbookExecutor(runner: never, assumeYes: true, pause: { _ in pauses.withLock { $0 += 1 } }).execute(runbook, mode: .manual, actor: "ana")
        #expect(waited.outcome == .failed && waited.steps.last?.output.contains("did not hold within 5s") == true)
        #expect(never.checks.withLock { $0 } == 6 && pauses.withLock { $0 } == 5)

        let late = ScriptedRunner(answers: ["ctl": (0, "state")], checksFailingFirst: 3)
        #expect(try await RunbookExecutor(runner: late, assumeYes: true, pause: { _ in }).execute(runbook, mode: .manual, actor: "ana").outcome == .succeeded)
        #expect(late.checks.withLock { $0 } == 4, "polled until it held")
    }
}
