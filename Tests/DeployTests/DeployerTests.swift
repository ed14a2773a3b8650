import Foundation
import Synchronization
import Testing
import WardenCore
@testable import Deploy

/// A host whose service comes up or not, as the test says; it runs binaries for real (`--version`
/// of a script) and counts restarts.
final class ScriptedHost: DeployHost {
    let readyAfterRestart: @Sendable (Int) -> Bool?
    let checksPass: Bool
    let restarts = Mutex(0)
    let alertsAfterDeploy: [String]
    /// The schema version the database is at, against the new binary's latest (4).
    let schemaVersion: Int

    init(checksPass: Bool = true, schemaVersion: Int = 4, alertsAfterDeploy: [String] = [], readyAfterRestart: @escaping @Sendable (Int) -> Bool?) {
        self.checksPass = checksPass
        self.schemaVersion = schemaVersion
        self.alertsAfterDeploy = alertsAfterDeploy
        self.readyAfterRestart = readyAfterRestart
    }

    func run(_ binary: String, _ arguments: [String]) async -> (status: Int32, output: String) {
        if arguments == ["--version"] {
            let text = (try? String(contentsOfFile: binary, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            return (0, text.replacingOccurrences(of: "# ", with: ""))
        }
        guard checksPass else { return (78, "configuration refused") }
        if arguments.starts(with: ["db", "migrate", "--dry-run"]) {
            return (0, "{\"category\":\"database\",\"message\":\"a log line\"}\n{\n  \"latest\" : 4,\n  \"version\" : \(schemaVersion)\n}")
        }
        return (0, "fine")
    }

    func backup() async -> (ok: Bool, detail: String) { (true, "backup verified") }
    func restart() async -> (ok: Bool, detail: String) {
        restarts.withLock { $0 += 1 }
        return (true, "restarted")
    }
    func unitReady() async -> (ready: Bool?, detail: String) { (readyAfterRestart(restarts.withLock { $0 }), "state") }
    func readyz() async -> (ok: Bool, detail: String) { (true, "200") }
    func criticalAlerts(since time: Int64) async -> [String] { alertsAfterDeploy }
}

@Suite("Deploys: checks, an atomic swap, and a rollback when the new release does not come up")
struct DeployerTests {
    /// A prefix with release `old` live, and a new binary whose --version says `version`.
    static func layout(_ version: String) throws -> (Releases, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID().uuidString)").path
        let releases = Releases(prefix: root)
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        let old = root + "/old-binary"
        try "#!/bin/sh\n# warden 0.1.0\n".write(toFile: old, atomically: true, encoding: .utf8)
        try releases.add(old, as: "0.1.0-old")
        try releases.activate("0.1.0-old")
        let new = root + "/new-binary"
        try "#!/bin/sh\n# warden \(version)\n".write(toFile: new, atomically: true, encoding: .utf8)
        return (releases, new)
    }

    static func deployer(_ releases: Releases, _ host: ScriptedHost) -> Deployer {
        Deployer(releases: releases, host: host, readyTimeout: .seconds(5), settle: .seconds(3), pause: { _ in })
    }

    @Test("a good release is promoted: the link points at it, the old one is kept")
    func promote() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        let record = try await Self.deployer(releases, ScriptedHost { _ in true }).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(record.outcome == .promoted && record.from == "0.1.0-old" && record.to.hasPrefix("0.2.0-"))
        #expect(releases.current() == record.to && releases.exists("0.1.0-old"))
        #expect(record.checks.map(\.name) == [
            "version", "check-config by the new binary", "db migrate --dry-run by the new binary", "a fresh verified backup", "swap", "systemctl restart",
            "READY within 5s", "/readyz", "no new critical alert for 3s",
        ])
    }

    @Test("a release that never sends READY is rolled back: the old one serves again, restarted and checked")
    func neverReady() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        let host = ScriptedHost { restarts in restarts == 1 ? nil : true }  // the first start never gets READY; the old one does
        let record = try await Self.deployer(releases, host).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(record.outcome == .rolledBack && record.reason == "no READY within 5s")
        #expect(releases.current() == "0.1.0-old")
        #expect(host.restarts.withLock { $0 } == 2)
        #expect(record.checks.filter { !$0.ok }.map(\.name) == ["READY within 5s"])
    }

    @Test("a critical alert in the settle period rolls back; a failed start too; a rollback that fails as well says so")
    func otherFailures() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        let alerted = try await Self.deployer(releases, ScriptedHost(alertsAfterDeploy: ["WardenChildDown"]) { _ in true })
            .deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(alerted.outcome == .rolledBack && alerted.reason?.contains("WardenChildDown") == true && releases.current() == "0.1.0-old")

        let (second, newer) = try Self.layout("0.3.0")
        let broken = try await Self.deployer(second, ScriptedHost { _ in false }).deploy(newer, configArguments: [], dryRun: false, actor: "ana")
        #expect(broken.outcome == .failed && broken.reason?.contains("after the rollback") == true, "neither release starts: a person must act")
    }

    @Test("a release that migrates the schema is refused unless allowed; allowed and failing, it stops for a restore instead of swapping back")
    func migrations() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        let refused = try await Self.deployer(releases, ScriptedHost(schemaVersion: 3) { _ in true }).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(refused.outcome == .refused && refused.reason?.contains("--allow-migration") == true && releases.current() == "0.1.0-old")
        var allowed = Self.deployer(releases, ScriptedHost(schemaVersion: 3) { _ in false })
        allowed.allowMigration = true
        let failed = try await allowed.deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(failed.outcome == .failed && failed.reason?.contains("restore the backup") == true)
        #expect(releases.current() == failed.to, "no swap back onto a schema the old release refuses")
        #expect(Deployer.pendingMigrations("not json at all"), "an unreadable answer counts as pending")
    }

    @Test("without a release to return to (a hand-copied binary), nothing changes")
    func noPreviousRelease() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        try FileManager.default.removeItem(atPath: releases.link)
        try "#!/bin/sh\n".write(toFile: releases.link, atomically: true, encoding: .utf8)
        let record = try await Self.deployer(releases, ScriptedHost { _ in true }).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(record.outcome == .refused && record.reason?.contains("make install") == true)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: releases.link)) == nil, "the hand-copied binary is untouched")
    }

    @Test("pre-checks refuse before anything changes; a dry run changes nothing; the live release is not deployed again")
    func refusals() async throws {
        let (releases, new) = try Self.layout("0.2.0")
        let host = ScriptedHost(checksPass: false) { _ in true }
        let refused = try await Self.deployer(releases, host).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(refused.outcome == .refused && releases.current() == "0.1.0-old" && host.restarts.withLock { $0 } == 0)
        let dry = try await Self.deployer(releases, ScriptedHost { _ in true }).deploy(new, configArguments: [], dryRun: true, actor: "ana")
        #expect(dry.outcome == .dryRun && releases.current() == "0.1.0-old")
        let promoted = try await Self.deployer(releases, ScriptedHost { _ in true }).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        let again = try await Self.deployer(releases, ScriptedHost { _ in true }).deploy(new, configArguments: [], dryRun: false, actor: "ana")
        #expect(promoted.outcome == .promoted && again.outcome == .refused && again.reason?.contains("already serving") == true)
        await #expect(throws: WardenError.self) {
            try await Self.deployer(releases, ScriptedHost { _ in true }).deploy("/no/such/binary", configArguments: [], dryRun: false, actor: "ana")
        }
    }
}
