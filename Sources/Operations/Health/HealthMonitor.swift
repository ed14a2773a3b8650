import Foundation
import ServiceLifecycle
import Storage
import Synchronization
import Telemetry
import WardenProtocol

/// The health model, reported on demand: the children and the metrics (the workers' too) as they
/// are now; the slower parts (outbox, network probes, the clock) from a sample every `interval`.
/// Each check's last success is remembered.
public final class HealthMonitor: Service, Sendable {
    struct Sample {
        var outbox: (pending: Int, dead: Int)?
        var network: [HealthReport.Check] = []
        var clock: Bool?
        var lastSuccess: [String: Double] = [:]
    }

    let model: HealthModel
    let interval: Duration
    let families: @Sendable () async -> [MetricFamily]
    let outbox: @Sendable () async -> (pending: Int, dead: Int)?
    /// Endpoints to reach, by name (`receiver:ops/webhook`).
    let endpoints: [(name: String, host: String, port: Int)]
    let status: @Sendable () -> SupervisorStatus
    private let sample = Mutex(Sample())

    public init(
        model: HealthModel = HealthModel(), interval: Duration = .seconds(15), endpoints: [(name: String, host: String, port: Int)],
        status: @escaping @Sendable () -> SupervisorStatus, families: @escaping @Sendable () async -> [MetricFamily],
        outbox: @escaping @Sendable () async -> (pending: Int, dead: Int)?
    ) {
        self.model = model
        self.interval = interval
        self.endpoints = endpoints
        self.status = status
        self.families = families
        self.outbox = outbox
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { await self.sampleOnce() }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    public func sampleOnce() async {
        // A database that does not answer leaves the outbox unknown, not the whole sample stuck.
        let outbox = try? await withDeadline(.seconds(5), expired: { CancellationError() }) { await self.outbox() }
        var network: [HealthReport.Check] = []
        for endpoint in endpoints {
            let problem = await NetworkProbe.reach(host: endpoint.host, port: endpoint.port)
            network.append(.init(name: endpoint.name, status: problem == nil ? .pass : .warn, detail: problem ?? "\(endpoint.host):\(endpoint.port) reachable"))
        }
        let clock = NetworkProbe.clockSynchronized()
        sample.withLock { s in
            s.outbox = outbox ?? nil
            s.network = network
            s.clock = clock
        }
        _ = await report()
    }

    /// The report now; each check's last success carried across reports.
    public func report() async -> HealthReport {
        let families = await families()
        let now = Date().timeIntervalSince1970
        return sample.withLock { s in
            let inputs = HealthModel.Inputs(status: status(), families: families, outbox: s.outbox, network: s.network, clockSynchronized: s.clock, now: now)
            var layers = model.evaluate(inputs)
            for l in layers.indices {
                for c in layers[l].checks.indices {
                    let key = layers[l].name + "/" + layers[l].checks[c].name
                    if layers[l].checks[c].status == .pass { s.lastSuccess[key] = now }
                    layers[l].checks[c].lastSuccess = s.lastSuccess[key]
                }
            }
            return HealthReport(layers: layers, at: now)
        }
    }
}
