import Foundation
import Telemetry
import Testing
import WardenProtocol
@testable import Operations

@Suite("The health model: three layers, ready while the application layer does not fail")
struct HealthModelTests {
    static func child(_ name: String, _ state: String, _ reason: String? = nil) -> ChildStatus {
        ChildStatus(
            name: name, state: state, pid: state == "running" ? 42 : nil, spawnedAt: nil, readyAt: nil, restarts: 0, restartsByReason: [:],
            startDurationSeconds: nil, watchdogTimeouts: 0, statusText: nil, downReason: reason, lastExit: nil)
    }

    static func inputs(children: [ChildStatus], database: Double?, free: Double = 0.5, age: Double? = 2, outbox: (Int, Int) = (0, 0),
                       backupAge: Double? = 3600, network: [HealthReport.Check] = []) -> HealthModel.Inputs {
        let now = 1_000_000.0
        var families: [MetricFamily] = [
            .single("node_filesystem_avail_bytes", .gauge, "", [([("mountpoint", "/var/lib/warden")], free * 100)]),
            .single("node_filesystem_size_bytes", .gauge, "", [([("mountpoint", "/var/lib/warden")], 100)]),
            .single("node_memory_MemAvailable_bytes", .gauge, "", [([], 50)]),
            .single("node_memory_MemTotal_bytes", .gauge, "", [([], 100)]),
        ]
        if let database { families.append(.single("warden_database_up", .gauge, "", [([], database)])) }
        if let backupAge { families.append(.single("warden_backup_last_success_timestamp_seconds", .gauge, "", [([], now - backupAge)])) }
        // The engine's own series, as a merge keeps a worker's: exposition lines.
        if let age {
            families.append(MetricFamily(
                name: "warden_engine_market_data_age_seconds", kind: .gauge, help: "",
                renderedSamples: ["warden_engine_market_data_age_seconds{child=\"engine\",symbol=\"BTC-USDT\"} \(age)"]))
        }
        let status = SupervisorStatus(pid: 1, state: "running", startedAt: 0, ready: true, configFile: nil, children: children)
        return HealthModel.Inputs(status: status, families: families, outbox: outbox, network: network, clockSynchronized: true, now: now)
    }

    static func check(_ report: HealthReport, _ layer: String, _ name: String) -> HealthReport.Check? {
        report.layers.first { $0.name == layer }?.checks.first { $0.name == name }
    }

    @Test("all well: ready and passing, the workers' metrics read from their exposition lines")
    func healthy() {
        let report = HealthReport(layers: HealthModel().evaluate(Self.inputs(children: [Self.child("engine", "running")], database: 1)), at: 0)
        #expect(report.ready && report.status == .pass)
        #expect(report.layers.map(\.name) == ["system", "network", "application"])
        #expect(Self.check(report, "application", "market data")?.detail == "child=engine,symbol=BTC-USDT: 2s old")
    }

    @Test("a child down or the database unreachable fails the application layer: not ready")
    func notReady() {
        let down = HealthReport(layers: HealthModel().evaluate(Self.inputs(children: [Self.child("engine", "failed", "exit status 78")], database: 1)), at: 0)
        #expect(!down.ready && Self.check(down, "application", "child:engine")?.detail == "failed: exit status 78")
        let database = HealthReport(layers: HealthModel().evaluate(Self.inputs(children: [Self.child("engine", "running")], database: 0)), at: 0)
        #expect(!database.ready && Self.check(database, "application", "database")?.status == .fail)
        var stopping = Self.inputs(children: [Self.child("engine", "running")], database: 1)
        stopping.status.state = "stopping"
        #expect(!HealthReport(layers: HealthModel().evaluate(stopping), at: 0).ready, "not ready while the supervisor stops")
    }

    @Test("stale data, a backlog, an old backup, little disk and an unreachable receiver warn; ready stays true; an almost full disk fails the system layer")
    func warnings() {
        let unreachable = HealthReport.Check(name: "receiver:ops/webhook", status: .warn, detail: "connect: Connection refused")
        let report = HealthReport(layers: HealthModel().evaluate(Self.inputs(
            children: [Self.child("engine", "running")], database: 1, free: 0.08, age: 900, outbox: (3, 1), backupAge: 3 * 86_400, network: [unreachable])), at: 0)
        #expect(report.ready && report.status == .warn)
        for (layer, name) in [("application", "market data"), ("application", "notifications"), ("application", "backups"), ("system", "disk"), ("network", "receiver:ops/webhook")] {
            #expect(Self.check(report, layer, name)?.status == .warn, "\(layer)/\(name)")
        }
        let full = HealthReport(layers: HealthModel().evaluate(Self.inputs(children: [Self.child("engine", "running")], database: 1, free: 0.02)), at: 0)
        #expect(full.status == .fail && full.ready, "the system layer fails; readiness is the application's")
    }

    @Test("endpoints come from URLs and host:port; a closed port is unreachable, with why")
    func probes() async {
        #expect(NetworkProbe.endpoint("https://hooks.slack.com/services/x")! == ("hooks.slack.com", 443))
        #expect(NetworkProbe.endpoint("http://127.0.0.1:9093/api")! == ("127.0.0.1", 9093))
        #expect(NetworkProbe.endpoint("smtp.example.com:587")! == ("smtp.example.com", 587))
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        listen(listener, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(await NetworkProbe.reach(host: "127.0.0.1", port: port) == nil)
        close(listener)
        #expect(await NetworkProbe.reach(host: "127.0.0.1", port: port)?.contains("refused") == true)
        #expect(await NetworkProbe.reach(host: "no-such-host.invalid", port: 80)?.hasPrefix("DNS") == true)
    }
}
