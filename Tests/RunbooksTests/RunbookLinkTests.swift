import Alerting
import Foundation
import Testing
@testable import Runbooks

@Suite("Every alert has its runbook, and every link resolves")
struct RunbookLinkTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("runbooks").path

    static func alertingRules() throws -> [AlertingRule] {
        try RuleFile.load([repository.appendingPathComponent("prometheus/rules/warden.rules.yml").path]).flatMap(\.rules).compactMap { rule in
            if case .alerting(let alerting) = rule { return alerting }
            return nil
        }
    }

    @Test("each rule's runbook_url is under the runbooks base and its file exists; each rule is answered by a runbook naming it")
    func links() throws {
        let library = try RunbookLibrary(directory: Self.directory)
        let rules = try Self.alertingRules()
        #expect(rules.count >= 17)
        for rule in rules {
            let url = rule.annotations.first { $0.0 == "runbook_url" }?.1.source
            #expect(url?.hasPrefix(RuleGroup.defaultRunbookBase) == true, "\(rule.name): runbook_url \(url ?? "missing")")
            guard let url, url.hasPrefix(RuleGroup.defaultRunbookBase) else { continue }
            let file = String(url.dropFirst(RuleGroup.defaultRunbookBase.count))
            #expect(FileManager.default.fileExists(atPath: Self.directory + "/" + file), "\(rule.name) links to runbooks/\(file), which does not exist")
            let answering = library.runbooks.filter { $0.alerts.contains(rule.name) }
            #expect(answering.map { $0.name + ".md" } == [file], "\(rule.name) is answered by \(answering.map(\.name)), its link says \(file)")
        }
        let names = Set(rules.map(\.name))
        for runbook in library.runbooks {
            for alert in runbook.alerts { #expect(names.contains(alert), "runbook \(runbook.name) answers \(alert), which no rule defines") }
        }
    }

    @Test("the procedures an operator needs are there, and every runbook's steps parse")
    func procedures() throws {
        let library = try RunbookLibrary(directory: Self.directory)
        for name in ["restore-database", "rotate-exchange-keys", "exchange-outage", "disk-almost-full", "host-reboot", "deploy-and-rollback", "fail-closed-engine"] {
            #expect(library.runbooks.contains { $0.name == name }, "no runbook \(name)")
        }
        for runbook in library.runbooks {
            #expect(!runbook.steps.isEmpty || runbook.alerts.isEmpty, "\(runbook.name) answers an alert but has no step")
            if let recovery = runbook.recovery { #expect(!runbook.stages.isEmpty && !recovery.verify.isEmpty, "\(runbook.name)") }
        }
        #expect(library.runbooks.filter { $0.recovery != nil }.count >= 5, "at least five automatic procedures")
    }

    @Test("a configured base moves the links; the supervisor's own evaluator leaves out the rule only an outside Prometheus can see")
    func rebase() throws {
        let groups = try RuleFile.load([Self.repository.appendingPathComponent("prometheus/rules/warden.rules.yml").path])
        let moved = groups.map { $0.rebasingRunbooks(to: "https://wiki.example/ops/").withoutExternalOnly() }
        let urls = moved.flatMap(\.rules).compactMap { rule -> String? in
            guard case .alerting(let alerting) = rule else { return nil }
            return alerting.annotations.first { $0.0 == "runbook_url" }?.1.source
        }
        #expect(!urls.isEmpty && urls.allSatisfy { $0.hasPrefix("https://wiki.example/ops/") && $0.hasSuffix(".md") })
        #expect(!moved.flatMap(\.rules).contains { $0.name == "WardenSupervisorDown" })
        #expect(groups.flatMap(\.rules).contains { $0.name == "WardenSupervisorDown" }, "the file keeps it for Prometheus")
    }
}
