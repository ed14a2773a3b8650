import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Systemd
import Telemetry

/// The lifecycle every Warden worker shares: serve /healthz and /metrics on a unix socket in the runtime
/// directory, send READY=1 once it listens, ping the watchdog at half of WATCHDOG_USEC, and send
/// STOPPING=1 and exit cleanly on SIGTERM. The trading and API issues add their work to it.
public struct WorkerService: Sendable {
    public var role: String
    /// The name the supervisor gave this child (WARDEN_CHILD_NAME), which names its socket.
    public var name: String
    public var socketPath: String
    /// What STATUS= says once ready.
    public var readyStatus: String
    public var logger: Logger
    /// The worker's own work (the engine's replay loop), run beside the health server.
    public var work: (any Service)?
    /// The worker's own series, served on /metrics with the process's.
    public var metrics: @Sendable () -> [MetricFamily]
    /// The worker's own routes on its socket (the engine's /v1/trading/...).
    public var routes: @Sendable (Router<BasicRequestContext>) -> Void = { _ in }
    /// More of the worker's work (the API's event relay and watchers), run in the same group.
    public var moreWork: [any Service] = []
    /// Awaited before READY=1 (the API's listener is bound), so ready means reachable.
    public var ready: @Sendable () async -> Void = {}

    public init(
        role: String, name: String, socketPath: String, readyStatus: String, logger: Logger, work: (any Service)? = nil,
        metrics: @escaping @Sendable () -> [MetricFamily] = { [] }
    ) {
        self.role = role
        self.name = name
        self.socketPath = socketPath
        self.readyStatus = readyStatus
        self.logger = logger
        self.work = work
        self.metrics = metrics
    }

    /// Runs until SIGTERM or SIGINT.
    public func run() async throws {
        let notifier = SystemdNotifier()
        let startedAt = Date()
        let router = Router()
        let metrics = self.metrics
        routes(router)
        router.get("/metrics") { _, _ in
            // The supervisor merges these into its own scrape with label child=<name>.
            Response(
                status: .ok, headers: [.contentType: ExpositionWriter.Format.prometheus004.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(
                    string: ExpositionWriter.write(ProcessCollector().collect() + metrics(), format: .prometheus004))))
        }
        router.get("/healthz") { _, _ in
            HealthReport(status: "ok", role: role, name: name, pid: getpid(), uptimeSeconds: Date().timeIntervalSince(startedAt))
        }
        try FileManager.default.createDirectory(
            atPath: (socketPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        unlink(socketPath)
        let socketPath = self.socketPath
        let readyStatus = self.readyStatus
        let logger = self.logger
        let ready = self.ready
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "warden-\(role)"),
            onServerRunning: { _ in
                chmod(socketPath, 0o600)
                Task {
                    await ready()
                    logger.info("worker ready", metadata: ["role": "\(role)", "socket": "\(socketPath)"])
                    notifier.ready(status: readyStatus)
                }
            },
            logger: logger)
        var services: [any Service] = [app]
        if let work { services.append(work) }
        services += moreWork
        if let interval = notifier.watchdogInterval {
            services.append(WatchdogPinger(notifier: notifier, interval: interval / 2))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await withGracefulShutdownHandler {
            try await group.run()
        } onGracefulShutdown: {
            notifier.stopping(status: "\(role): stopping")
        }
        // The group also shuts down on SIGTERM without passing through the handler above.
        notifier.stopping(status: "\(role): stopped")
        unlink(socketPath)
        logger.info("worker stopped", metadata: ["role": "\(role)"])
    }
}

struct HealthReport: ResponseCodable {
    var status: String
    var role: String
    var name: String
    var pid: Int32
    var uptimeSeconds: Double

    enum CodingKeys: String, CodingKey {
        case status, role, name, pid
        case uptimeSeconds = "uptime_seconds"
    }
}

/// Sends WATCHDOG=1 every `interval` until graceful shutdown.
struct WatchdogPinger: Service {
    let notifier: SystemdNotifier
    let interval: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    notifier.watchdogPing()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown ends the pings; that is not a failure.
        }
    }
}
