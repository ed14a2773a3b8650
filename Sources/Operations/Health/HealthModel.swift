import Foundation
import Telemetry
import WardenProtocol

/// The health model, computed from what the supervisor already knows: its children, its merged
/// metric families (the database monitor's, the backups', the host's, the workers'), the outbox,
/// and the network probes' last results. Pure: the same inputs give the same report.
public struct HealthModel: Sendable {
    public struct Inputs: Sendable {
        public var status: SupervisorStatus
        public var families: [MetricFamily]
        /// The notification outbox: pending and dead rows.
        public var outbox: (pending: Int, dead: Int)?
        /// DNS and TCP reachability of each receiver's endpoint (and the exchange's, once configured).
        public var network: [HealthReport.Check]
        public var clockSynchronized: Bool?
        public var now: Double

        public init(
            status: SupervisorStatus, families: [MetricFamily], outbox: (pending: Int, dead: Int)?, network: [HealthReport.Check], clockSynchronized: Bool?,
            now: Double
        ) {
            self.status = status
            self.families = families
            self.outbox = outbox
            self.network = network
            self.clockSynchronized = clockSynchronized
            self.now = now
        }
    }

    /// A pending outbox this long is a backlog.
    public var outboxBacklog = 100
    /// Bars older than this are stale.
    public var staleMarketData = 300.0
    /// No successful backup for this long warns (as WardenBackupStale).
    public var staleBackup = 2.0 * 86_400

    public init() {}

    public func evaluate(_ inputs: Inputs) -> [HealthReport.Layer] {
        var inputs = inputs
        inputs.families = MetricFamily.expandingRendered(inputs.families)
        return [
            HealthReport.Layer(name: "system", checks: system(inputs)),
            HealthReport.Layer(name: "network", checks: inputs.network.isEmpty
                ? [HealthReport.Check(name: "receivers", status: .pass, detail: "no receiver endpoints configured")] : inputs.network),
            HealthReport.Layer(name: "application", checks: application(inputs)),
        ]
    }

    func system(_ inputs: Inputs) -> [HealthReport.Check] {
        var checks: [HealthReport.Check] = []
        let avail = value(inputs.families, "node_filesystem_avail_bytes"), size = value(inputs.families, "node_filesystem_size_bytes")
        if let avail, let size, size > 0 {
            let free = avail / size
            checks.append(.init(name: "disk", status: free < 0.05 ? .fail : free < 0.10 ? .warn : .pass,
                                detail: String(format: "%.1f%% free on the state filesystem", free * 100)))
        } else {
            checks.append(.init(name: "disk", status: .warn, detail: "the state filesystem could not be read"))
        }
        if let available = value(inputs.families, "node_memory_MemAvailable_bytes"), let total = value(inputs.families, "node_memory_MemTotal_bytes"), total > 0 {
            let ratio = available / total
            checks.append(.init(name: "memory", status: ratio < 0.05 ? .fail : ratio < 0.10 ? .warn : .pass, detail: String(format: "%.0f%% available", ratio * 100)))
        }
        if let load = value(inputs.families, "node_load1") {
            let cpus = Double(ProcessInfo.processInfo.activeProcessorCount)
            checks.append(.init(name: "load", status: load > 4 * cpus ? .warn : .pass, detail: String(format: "load %.2f on %.0f CPUs", load, cpus)))
        }
        switch inputs.clockSynchronized {
        case true?: checks.append(.init(name: "clock", status: .pass, detail: "synchronized (NTP)"))
        case false?: checks.append(.init(name: "clock", status: .warn, detail: "not synchronized: exchange requests are signed with a timestamp"))
        case nil: checks.append(.init(name: "clock", status: .warn, detail: "synchronization state unknown"))
        }
        return checks
    }

    func application(_ inputs: Inputs) -> [HealthReport.Check] {
        var checks: [HealthReport.Check] = []
        // Degraded or starting shows in the children's own checks; stopping is the supervisor's.
        if inputs.status.state == "stopping" {
            checks.append(.init(name: "supervisor", status: .fail, detail: "the supervisor is stopping"))
        }
        checks += inputs.status.children.map { child in
            HealthReport.Check(
                name: "child:\(child.name)", status: child.state == "running" ? .pass : .fail,
                detail: child.state + (child.downReason.map { ": \($0)" } ?? ""))
        }
        switch value(inputs.families, "warden_database_up") {
        case 1?: checks.append(.init(name: "database", status: .pass, detail: "answering"))
        case 0?: checks.append(.init(name: "database", status: .fail, detail: "not answering the supervisor's check; the journal cannot be written"))
        default: checks.append(.init(name: "database", status: .warn, detail: "not checked yet"))
        }
        let ages = samples(inputs.families, "warden_engine_market_data_age_seconds")
        if ages.isEmpty {
            checks.append(.init(name: "market data", status: .pass, detail: "no bar is due (a finished replay, or no engine)"))
        } else {
            let stale = ages.filter { $0.1 > staleMarketData }
            checks.append(.init(
                name: "market data", status: stale.isEmpty ? .pass : .warn,
                detail: ages.map { "\($0.0): \(Int($0.1))s old" }.joined(separator: ", ")))
        }
        if let outbox = inputs.outbox {
            let status: HealthReport.State = outbox.dead > 0 || outbox.pending > outboxBacklog ? .warn : .pass
            checks.append(.init(name: "notifications", status: status, detail: "\(outbox.pending) pending, \(outbox.dead) dead"))
        }
        if let last = value(inputs.families, "warden_backup_last_success_timestamp_seconds"), last > 0 {
            let age = inputs.now - last
            checks.append(.init(name: "backups", status: age > staleBackup ? .warn : .pass, detail: "last good backup \(Int(age / 3600)) h ago"))
        } else {
            checks.append(.init(name: "backups", status: .warn, detail: "no backup yet"))
        }
        checks.append(.init(name: "exchange", status: .pass, detail: "paper trading: no exchange connection to check"))
        return checks
    }

    func value(_ families: [MetricFamily], _ name: String) -> Double? { samples(families, name).first?.1 }

    func samples(_ families: [MetricFamily], _ name: String) -> [(String, Double)] {
        families.filter { $0.name == name }.flatMap { family in
            family.samples.map { sample in (sample.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ","), sample.value) }
        }
    }
}
