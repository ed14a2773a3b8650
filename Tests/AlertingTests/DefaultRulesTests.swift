import Foundation
import Testing
@testable import Alerting

@Suite struct DefaultRulesTests {
    /// The embedded default rule set is the shipped file, byte for byte (scripts/embed_rules.py).
    @Test func embeddedRulesAreTheShippedFile() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: repository.appendingPathComponent("prometheus/rules/warden.rules.yml"), encoding: .utf8)
        #expect(DefaultRules.text + "\n" == shipped)
        #expect(RuleFile.defaultGroups().map(\.name) == ["warden.supervisor", "warden.notifications", "warden.host", "warden.storage", "warden.trading", "warden.api"])
    }
}
