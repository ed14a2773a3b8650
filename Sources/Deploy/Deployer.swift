import Crypto
import Foundation
import WardenCore

/// What a deploy asks of the host: the candidate's own checks, the backup, systemd, and the
/// post-checks. The CLI runs real commands; tests bring scripted answers.
public protocol DeployHost: Sendable {
    /// Runs `binary` with `arguments`: its exit status and output.
    func run(_ binary: String, _ arguments: [String]) async -> (status: Int32, output: String)
    /// A fresh verified backup with the running release (before anything changes).
    func backup() async -> (ok: Bool, detail: String)
    /// `systemctl restart` of the unit, without waiting.
    func restart() async -> (ok: Bool, detail: String)
    /// Whether the unit reached READY (active) — nil while it is still starting.
    func unitReady() async -> (ready: Bool?, detail: String)
    /// The supervisor's /readyz: every child ready.
    func readyz() async -> (ok: Bool, detail: String)
    /// Critical alerts that started at or after `time` (names), for the settle period.
    func criticalAlerts(since time: Int64) async -> [String]
}

/// One deploy and its checks, as `deployments` keeps them.
public struct DeploymentRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// The new release serves.
        case promoted
        /// A post-check failed; the previous release serves again.
        case rolledBack = "rolled_back"
        /// An operator went back to the release before (`warden deploy rollback`), and it serves.
        case reverted
        /// A pre-check failed; nothing changed.
        case refused
        case dryRun = "dry_run"
        /// The rollback itself failed: nothing is known to serve. A person must act now.
        case failed
    }

    public struct Check: Sendable, Codable, Equatable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public var id: String
    public var startedAt: Int64
    public var finishedAt: Int64
    public var actor: String
    public var from: String?
    public var to: String
    public var outcome: Outcome
    public var reason: String?
    public var checks: [Check]

    enum CodingKeys: String, CodingKey {
        case id, actor, from, to, outcome, reason, checks
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

/// `warden deploy`: pre-checks (version, the new binary's own check-config and migrate dry run, a
/// fresh verified backup), an atomic swap, a restart through systemd, post-checks (READY within
/// a timeout, /readyz, no new critical alert for the settle period) and, on any failure after
/// the swap, an automatic rollback to the release that served before (swapped back, restarted,
/// checked again). Time comes from the injected `now` and `pause`.
public struct Deployer: Sendable {
    public var releases: Releases
    public var host: any DeployHost
    public var readyTimeout: Duration
    public var settle: Duration
    public var pollInterval: Duration
    /// Deploy a release that migrates the schema (a failure then stops for a person).
    public var allowMigration = false
    public var now: @Sendable () -> Int64
    public var pause: @Sendable (Duration) async -> Void
    public var onCheck: @Sendable (DeploymentRecord.Check) -> Void

    public init(
        releases: Releases, host: any DeployHost, readyTimeout: Duration = .seconds(90), settle: Duration = .seconds(60), pollInterval: Duration = .seconds(1),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
        pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        onCheck: @escaping @Sendable (DeploymentRecord.Check) -> Void = { _ in }
    ) {
        self.releases = releases
        self.host = host
        self.readyTimeout = readyTimeout
        self.settle = settle
        self.pollInterval = pollInterval
        self.now = now
        self.pause = pause
        self.onCheck = onCheck
    }

    /// The release name of a binary: its version and the start of its SHA-256.
    public func releaseName(of binary: String) async throws(WardenError) -> String {
        let (status, output) = await host.run(binary, ["--version"])
        let words = output.split(whereSeparator: \.isWhitespace)
        guard status == 0, words.count >= 2, words[0] == "warden" else {
            throw WardenError(.usage, "not a warden binary (--version said: \(output.prefix(120)))", location: binary)
        }
        return "\(words[1])-\(try Self.checksum(binary).prefix(12))"
    }

    public func deploy(_ binary: String, configArguments: [String], dryRun: Bool, actor: String) async throws(WardenError) -> DeploymentRecord {
        let started = now()
        let release = try await releaseName(of: binary)
        var record = DeploymentRecord(
            id: UUID().uuidString.lowercased(), startedAt: started, finishedAt: started, actor: actor, from: releases.current(), to: release,
            outcome: .promoted, reason: nil, checks: [])
        func check(_ name: String, _ ok: Bool, _ detail: String) -> Bool {
            let entry = DeploymentRecord.Check(name: name, ok: ok, detail: String(detail.suffix(2000)))
            record.checks.append(entry)
            onCheck(entry)
            return ok
        }
        func finish(_ outcome: DeploymentRecord.Outcome, _ reason: String?) -> DeploymentRecord {
            record.outcome = outcome
            record.reason = reason
            record.finishedAt = now()
            return record
        }
        _ = check("version", true, "\(binary) is release \(release)\(record.from.map { "; serving \($0)" } ?? "")")
        if record.from == release { return finish(.refused, "release \(release) is already serving") }
        // Nothing changes unless there is a release to go back to.
        guard let previous = record.from, releases.exists(previous) else {
            return finish(.refused, "\(releases.link) is not a link into \(releases.directory): install with `make install` first, so a rollback has a release to return to")
        }
        let config = await host.run(binary, ["check-config"] + configArguments)
        guard check("check-config by the new binary", config.status == 0, config.output) else { return finish(.refused, "the new binary refuses the configuration") }
        let migrate = await host.run(binary, ["db", "migrate", "--dry-run", "--json"] + configArguments)
        guard check("db migrate --dry-run by the new binary", migrate.status == 0, migrate.output) else {
            return finish(.refused, "the new binary cannot use the database")
        }
        // A release that migrates the schema cannot be rolled back by a swap: the old binary
        // refuses the newer schema. Only with the operator's say-so, and then a failure stops
        // for a person (restore the backup just taken) instead of swapping back.
        let pending = Self.pendingMigrations(migrate.output)
        if pending, !allowMigration {
            return finish(.refused, "the new release migrates the database schema, which a rollback cannot undo: pass --allow-migration (a failure then needs the backup restored)")
        }
        if dryRun { return finish(.dryRun, nil) }
        let backup = await host.backup()
        guard check("a fresh verified backup", backup.ok, backup.detail) else { return finish(.refused, "no fresh verified backup") }

        try releases.add(binary, as: release)
        try releases.activate(release)
        _ = check("swap", true, "\(releases.link) → \(release)")
        let deployedAt = now()
        if let failure = await postChecks(since: deployedAt, check: check) {
            if pending {
                return finish(.failed, "\(failure); the schema was migrated, so \(previous) cannot serve it: restore the backup taken before the deploy (runbooks/restore-database.md), then `warden deploy rollback`")
            }
            do {
                try releases.activate(previous)
            } catch {
                _ = check("swap back", false, "\(error)")
                return finish(.failed, "\(failure); the rollback could not swap back: \(error)")
            }
            _ = check("swap back", true, "\(releases.link) → \(previous)")
            if let again = await postChecks(since: nil, check: check) { return finish(.failed, "\(failure); after the rollback: \(again)") }
            return finish(.rolledBack, failure)
        }
        return finish(.promoted, nil)
    }

    /// Restart, READY within the timeout, /readyz, and (after a deploy) no new critical alert for
    /// the settle period. Nil when all hold, else what failed.
    func postChecks(since deployedAt: Int64?, check: (String, Bool, String) -> Bool) async -> String? {
        let restart = await host.restart()
        guard check("systemctl restart", restart.ok, restart.detail) else { return "the restart failed: \(restart.detail)" }
        let polls = max(1, Int((readyTimeout.seconds / pollInterval.seconds).rounded(.up)))
        var ready: Bool?
        var detail = ""
        for attempt in 0..<polls {
            if attempt > 0 { await pause(pollInterval) }
            (ready, detail) = await host.unitReady()
            if ready != nil { break }
        }
        guard check("READY within \(DurationText.format(readyTimeout))", ready == true, detail) else {
            return ready == false ? "the unit failed to start: \(detail)" : "no READY within \(DurationText.format(readyTimeout))"
        }
        var readyz = (ok: false, detail: "")
        for attempt in 0..<polls {
            if attempt > 0 { await pause(pollInterval) }
            readyz = await host.readyz()
            if readyz.ok { break }
        }
        guard check("/readyz", readyz.ok, readyz.detail) else { return "/readyz: \(readyz.detail)" }
        guard let deployedAt else { return nil }
        let settlePolls = max(1, Int((settle.seconds / pollInterval.seconds).rounded(.up)))
        for attempt in 0..<settlePolls {
            if attempt > 0 { await pause(pollInterval) }
            let alerts = await host.criticalAlerts(since: deployedAt)
            if !alerts.isEmpty {
                _ = check("no new critical alert for \(DurationText.format(settle))", false, alerts.joined(separator: ", "))
                return "a critical alert fired after the deploy: \(alerts.joined(separator: ", "))"
            }
        }
        _ = check("no new critical alert for \(DurationText.format(settle))", true, "none")
        return nil
    }

    /// `warden deploy rollback`: back to `release` (the one that served before the last deploy), checked as a deploy is.
    public func rollback(to release: String, actor: String) async throws(WardenError) -> DeploymentRecord {
        let started = now()
        var record = DeploymentRecord(
            id: UUID().uuidString.lowercased(), startedAt: started, finishedAt: started, actor: actor, from: releases.current(), to: release,
            outcome: .reverted, reason: "rollback requested by \(actor)", checks: [])
        guard releases.exists(release) else { throw WardenError(.usage, "release \(release) is not installed", location: releases.directory) }
        try releases.activate(release)
        record.checks.append(.init(name: "swap", ok: true, detail: "\(releases.link) → \(release)"))
        onCheck(record.checks[0])
        let failure = await postChecks(since: nil) { name, ok, detail in
            let entry = DeploymentRecord.Check(name: name, ok: ok, detail: detail)
            record.checks.append(entry)
            onCheck(entry)
            return ok
        }
        if let failure {
            record.outcome = .failed
            record.reason = "after the rollback: \(failure)"
        }
        record.finishedAt = now()
        return record
    }

    /// Whether `db migrate --dry-run --json` reported versions to apply; an answer it cannot read
    /// counts as pending (the safe side: refused without --allow-migration).
    static func pendingMigrations(_ output: String) -> Bool {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        for start in lines.indices where lines[start] == "{" {
            let text = lines[start...].joined(separator: "\n")
            guard let report = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let version = report["version"] as? Int, let latest = report["latest"] as? Int
            else { continue }
            return version < latest
        }
        return true
    }

    static func checksum(_ path: String) throws(WardenError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw WardenError(.usage, "cannot read the binary", location: path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
