import Alerting
import ArgumentParser
import Backup
import ControlPlane
import Foundation
import Logging
import NIOCore
import Operations
import Runbooks
import ServiceLifecycle
import Storage
import Supervisor
import Synchronization
import Telemetry
import WardenCore
import WardenProtocol

struct Supervise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the supervisor: the process systemd starts (Type=notify).",
        discussion: """
            Spawns every child of `children:` (default: engine, then api once the engine is ready), each in its \
            own session with its own notify socket, and restarts them by policy with capped exponential backoff. \
            Gives up with status 3 after more than supervisor.max_restarts restarts within \
            supervisor.restart_window, so systemd's Restart= takes over. SIGTERM stops children in reverse \
            dependency order; SIGHUP reloads the file and restarts only children whose spec changed.

            HTTP on --listen (default \(SupervisorSettings.defaultListen)): /metrics (Prometheus text 0.0.4, or \
            OpenMetrics 1.0 when asked), /healthz, /readyz. Control socket: \
            RUNTIME_DIR/control.sock (see `warden ctl`).
            """)

    @OptionGroup var options: CommonOptions

    @Option(help: ArgumentHelp("HTTP address for /metrics, /healthz and /readyz (overrides supervisor.listen).", valueName: "host:port"))
    var listen: ListenAddress?

    func run() async throws {
        var configuration = try options.loadConfiguration()
        if let listen { configuration.supervisor.listen = listen }
        let directories = options.directories(for: configuration)
        let logger: Logger
        do {
            logger = try LogBootstrap.start(configuration, label: "warden.system", fileLogging: true)
        } catch {
            throw fail(WardenError(
                .configuration, "cannot open the log file: \(error.localizedDescription)",
                location: configuration.logging.file?.path))
        }
        do {
            try Preflight.prepare(directories)
        } catch {
            throw fail(error)
        }
        Logger(label: "warden.security").info("secrets resolved", metadata: [
            "count": "\(configuration.resolvedSecrets.count)", "masking": "every log line (message and metadata)",
        ])
        // Alerting's routes, receivers and rules are checked before anything starts.
        let alertingSetup = try AlertingSetup.load(configPath: options.configPath)
        // The schema is brought up to date before anything that uses the database starts.
        let location: DatabaseLocation
        do {
            location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
            let report = try await Migrator(location: location, wardenVersion: Warden.version, logger: logger).migrate()
            logger.info("database ready", metadata: [
                "database": "\(report.location)", "schema_version": "\(report.version)",
                "applied": "\(report.applied.map(String.init).joined(separator: ","))",
            ])
        } catch {
            throw fail(error)
        }

        let configPath = options.configPath
        // The supervisor process's one database handle: every store and monitor here shares it.
        let databaseHandle: DatabaseHandle
        do {
            databaseHandle = try DatabaseHandle(location)
        } catch {
            throw fail(WardenError(.runtime, "cannot open the database: \(error)", location: "\(location)"))
        }
        let alertStore = databaseHandle.alertStore()
        let launch = ChildLaunch(
            selfExecutable: ChildLaunch.currentExecutable(), directories: directories, configPath: configPath,
            environment: ProcessInfo.processInfo.environment)
        let listenOverride = listen
        let (listening, announce) = AsyncStream.makeStream(of: Void.self)
        let supervisor = Supervisor(
            options: Supervisor.Options(
                configuration: configuration, configPath: configPath, directories: directories, launch: launch,
                reloadConfiguration: { () throws(ConfigurationError) in
                    var updated = try ConfigurationLoader().load(path: configPath)
                    if let listenOverride { updated.supervisor.listen = listenOverride }
                    LogBootstrap.reconfigure(updated)
                    return updated
                }),
            logger: logger,
            startGate: {
                // Both servers listen before any child starts, so a port in use fails fast and clean.
                var remaining = 2
                for await _ in listening {
                    remaining -= 1
                    if remaining == 0 { return }
                }
                throw CancellationError()  // a server failed to bind and the group is shutting down
            })
        let recovery = Self.autoRecovery(configuration, supervisor: supervisor, database: databaseHandle, directories: directories, logger: logger)
        let database = DatabaseMonitor(database: databaseHandle, logger: Logger(label: "warden.database"))
        let backups = BackupMonitor(repository: BackupRepository(settings: configuration.backup, stateDirectory: directories.state))
        let alertingMetrics = AlertingMetrics()
        let metrics = SupervisorMetrics(
            supervisor: supervisor, directories: directories,
            http: HTTPRequestMetrics(handlers: SupervisorEndpoint.handlers), version: Warden.version,
            revision: Warden.revision, scraper: WorkerScraper(directories: directories),
            sampled: { database.families() + backups.families() + alertingMetrics.families() + recovery.families() })
        var alertingOptions = AlertingService.Options(
            config: alertingSetup.config, groups: alertingSetup.groups,
            targetLabels: ["job": "warden", "instance": AlertingSetup.instance(configuration.supervisor.listen)])
        alertingOptions.onEvaluated = { alerts in recovery.offer(AutoRecovery.firing(alerts)) }
        let alerting = AlertingService(
            options: alertingOptions,
            store: alertStore, metrics: alertingMetrics, samples: { await metrics.families() },
            logger: Logger(label: "warden.alert"))
        let health = HealthMonitor(
            endpoints: Self.endpoints(alertingSetup.config), status: { supervisor.status() }, families: { await metrics.families() },
            outbox: { try? await alertStore.outboxCounts() })
        let notifications = NotificationControl(
            canary: { CanaryReport(results: await alerting.canary().map { .init(integration: $0.integration, delivered: $0.ok, detail: $0.detail) }) },
            failover: { FailoverReport(moves: await alerting.failover().map { .init(integration: $0.integration, to: $0.ok ? $0.detail : nil) }) })
        let control = ControlServer.application(
            supervisor: supervisor, socketPath: directories.controlSocket, health: { await health.report() }, notifications: notifications, logger: logger,
            onListening: { announce.yield() })
        let http = SupervisorEndpoint.application(
            supervisor: supervisor, metrics: metrics, health: { await health.report() }, address: configuration.supervisor.listen, logger: logger,
            onListening: { announce.yield() })

        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: control, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: http, failureTerminationBehavior: .gracefullyShutdownGroup),
                // Ends on graceful shutdown; the supervisor decides when the group is done.
                .init(service: databaseHandle, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
                .init(service: database, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
                // A failing alert store is logged and retried inside; the service ends on shutdown.
                .init(service: alerting, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
                .init(service: recovery, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
                .init(service: health, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
            ],
            // Signals reach the supervisor through its signalfd, not through the group.
            gracefulShutdownSignals: [],
            logger: logger))
        defer { unlink(directories.controlSocket) }
        do {
            try await group.run()
        } catch let error as WardenError {
            throw fail(error)
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw fail(WardenError(.runtime, "cannot listen: address already in use", location: "\(configuration.supervisor.listen)"))
        } catch {
            throw fail(WardenError(.runtime, "\(error)"))
        }
    }
}

extension Supervise {
    /// The automatic recovery procedures: runbooks run as supervisor jobs when their alerts fire.
    static func autoRecovery(
        _ configuration: WardenConfiguration, supervisor: Supervisor, database: DatabaseHandle, directories: Directories, logger: Logger
    ) -> AutoRecovery {
        var library: RunbookLibrary?
        if let directory = configuration.recovery.runbooks ?? RunbookLibrary.defaultDirectory() {
            do {
                library = try RunbookLibrary(directory: directory)
            } catch {
                logger.error("the runbooks cannot be read; automatic recovery is off", metadata: ["error": "\(error)"])
            }
        } else if configuration.recovery.enabled {
            logger.warning("no runbooks directory found (recovery.runbooks, $WARDEN_RUNBOOKS); automatic recovery is off")
        }
        let log = RecoveryLog(handle: database, fallbackDirectory: directories.state + "/recovery", logger: logger)
        return AutoRecovery(
            enabled: configuration.recovery.enabled && library != nil, library: library, timeout: configuration.recovery.timeout,
            start: { job, arguments, timeout in
                let reply = await supervisor.handle(.runOnce(name: job, arguments: arguments, timeout: timeout))
                return (reply.ok, reply.message)
            },
            jobRuns: { job in
                supervisor.status().jobs.first { $0.name == job }.map {
                    AutoRecovery.JobRuns(running: $0.state == "running", succeeded: $0.runs["success"] ?? 0, failed: $0.runs["failure"] ?? 0)
                }
            },
            record: { run in await log.record(run) },
            holdOff: { firing in
                let status = supervisor.status()
                // Children still coming up are not down.
                if status.state == "starting" { return "the supervisor is still starting its children" }
                guard let name = firing.labels["child"], let child = status.children.first(where: { $0.name == name }),
                      child.state == "stopped", child.downReason == "stopped on request"
                else { return nil }
                return "\(name) was stopped on request; `warden ctl start \(name)` hands it back"
            },
            logger: logger)
    }
}

extension Supervise {
    /// The receivers' endpoints the health model's network layer reaches.
    static func endpoints(_ config: AlertingConfig) -> [(name: String, host: String, port: Int)] {
        var seen = Set<String>()
        var endpoints: [(name: String, host: String, port: Int)] = []
        for receiver in config.receivers.values.sorted(by: { $0.name < $1.name }) {
            for integration in receiver.integrations {
                for key in ["url", "api_url", "webhook_url", "smarthost"] {
                    guard let text = integration.settings[key], let (host, port) = NetworkProbe.endpoint(text), seen.insert("\(host):\(port)").inserted else { continue }
                    endpoints.append(("receiver:\(receiver.name)/\(integration.kind.rawValue.replacingOccurrences(of: "_configs", with: ""))", host, port))
                }
            }
        }
        return endpoints
    }
}

extension AutoRecovery {
    /// The firing alerts whose rules name a procedure, one episode each.
    static func firing(_ alerts: [Alert]) -> [Firing] {
        alerts.filter { $0.state == .firing }.compactMap { alert in
            alert.annotations["auto_runbook"].map {
                Firing(alert: alert.name, runbook: $0, episode: "\(alert.fingerprint)@\(alert.activeAt)", labels: alert.labels.dictionary)
            }
        }
    }
}

extension ListenAddress: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
