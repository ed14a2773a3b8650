import CSpawn
import Foundation
import Logging
import Systemd
import WardenCore
import WardenProtocol

/// The supervisor's state and its one event loop. Only `run()` touches it, one event at a time,
/// so nothing here needs a lock.
final class SupervisorLoop {
    typealias Instant = ContinuousClock.Instant

    /// One configured child and everything the loop holds for it.
    final class Slot {
        var lifecycle: ChildLifecycle
        let notify: NotifySocket
        var process: SpawnedProcess?
        var spawnedAt: Date?
        var readyAt: Date?
        /// The notify socket's epoch of the current (or last) instance: earlier words are not its own.
        var notifyEpoch: UInt64 = 0
        /// Start as soon as every dependency is ready.
        var awaitingDependencies = true
        /// A reload changed the spec: once down, it starts again with this one.
        var replacement: ChildSpec?
        /// A reload removed the child: once down, it goes away.
        var removeWhenDown = false

        init(lifecycle: ChildLifecycle, notify: NotifySocket) {
            self.lifecycle = lifecycle
            self.notify = notify
        }

        var name: String { lifecycle.spec.name }
    }

    let supervisor: Supervisor
    var logger: Logger { supervisor.logger }
    private var configuration: WardenConfiguration
    private let directories: Directories
    let spawner = ProcessSpawner()
    let poller = DescriptorPoller()
    private let systemd = SystemdNotifier()
    private var intensity: RestartIntensity
    private var slots: [Slot] = []
    var jobs: [JobSlot] = []

    private var startupReported = false
    var shuttingDown = false
    private var failure: WardenError?
    private var nextSystemdPing: Instant?
    private var nextHousekeeping: Instant
    private var lastSummary = ""
    private var timer: (task: Task<Void, Never>, at: Instant)?

    static let housekeepingInterval = Duration.seconds(1)

    init(supervisor: Supervisor) throws {
        self.supervisor = supervisor
        configuration = supervisor.options.configuration
        directories = supervisor.options.directories
        intensity = RestartIntensity(
            maxRestarts: configuration.supervisor.maxRestarts, window: configuration.supervisor.restartWindow)
        nextHousekeeping = .now
        try prepareRuntimeDirectory()
        for spec in DependencyOrder.startOrder(configuration.children) {
            slots.append(try makeSlot(spec))
        }
        jobs = JobSpec.jobs(for: configuration).map { JobSlot(spec: $0, now: .now) }
        if let interval = systemd.watchdogInterval {
            nextSystemdPing = .now
            logger.info("systemd watchdog enabled", metadata: ["interval": "\(DurationText.format(interval))"])
        }
    }

    func run() async throws {
        defer {
            timer?.task.cancel()
            for slot in slots { slot.notify.invalidate() }
        }
        logger.info("supervisor starting", metadata: [
            "children": "\(slots.map(\.name).joined(separator: ","))", "runtime_dir": "\(directories.runtime)",
            "environment": "\(configuration.environment ?? "none")",
        ])
        await startEligibleChildren(now: .now)
        reportStartupIfDone()
        publish()
        scheduleTimer()
        for await event in supervisor.events {
            await handle(event, now: .now)
            publish()
            if shuttingDown && slots.allSatisfy({ $0.lifecycle.isDown }) && jobsIdle { break }
            scheduleTimer()
        }
        logger.info("supervisor stopped", metadata: ["children_stopped": "\(slots.count)"])
        if let failure { throw failure }
    }

    // MARK: Events

    private func handle(_ event: Supervisor.Event, now: Instant) async {
        switch event {
        case .process(.reaped(let pid, let status)):
            if jobReaped(pid: pid, status: status, now: now) { return }
            guard let slot = slots.first(where: { $0.process?.pid == pid }) else {
                logger.debug("reaped a descendant", metadata: ["pid": "\(pid)", "status": "\(status)"])
                return
            }
            if let pidfd = slot.process?.pidfd { close(pidfd) }
            slot.process = nil
            // Like systemd's KillMode=control-group: what the child left behind in its group goes with it.
            killpg(pid, SIGKILL)
            await perform(slot.lifecycle.exited(status, now: now, wallClock: Date()), for: slot, now: now)
            await settle(slot, now: now)
        case .process(.signal(.terminate(let signal))):
            logger.info("received \(SignalName.of(signal)); stopping children")
            await beginShutdown(now: now)
        case .process(.signal(.reload)):
            guard !shuttingDown else {
                logger.info("SIGHUP ignored: the supervisor is shutting down")
                return
            }
            let reply = await reload(now: now)
            logger.log(level: reply.ok ? .info : .error, "SIGHUP: \(reply.message)")
        case .notify(let name):
            guard let slot = slot(named: name) else { return }
            let batch = slot.notify.take(epoch: slot.notifyEpoch)
            if let status = batch.status {
                logger.debug("child status", metadata: ["child": "\(name)", "status": "\(status)"])
            }
            for line in batch.ignored {
                logger.debug("notify field not acted on", metadata: ["child": "\(name)", "field": "\(line)"])
            }
            await perform(slot.lifecycle.notified(batch, now: now), for: slot, now: now)
        case .tick:
            timer = nil
            await tick(now: now)
        case .control(let request, let reply):
            reply.resume(returning: await control(request, now: now))
        case .gracefulShutdown:
            await beginShutdown(now: now)
        }
        if shuttingDown { await advanceShutdown(now: now) }
    }

    private func tick(now: Instant) async {
        for slot in slots {
            await perform(slot.lifecycle.tick(now: now), for: slot, now: now)
        }
        await runDueJobs(now: now)
        if now >= nextHousekeeping {
            nextHousekeeping = now + Self.housekeepingInterval
            for slot in slots {
                guard let pid = slot.process?.pid, let rss = ProcessSampler.residentBytes(pid: pid) else { continue }
                await perform(slot.lifecycle.memorySampled(residentBytes: rss, now: now), for: slot, now: now)
            }
            updateSystemdStatus(force: false)
        }
        // Pinged only here, right after every child's deadlines were checked: a stuck loop stops the pings.
        if let next = nextSystemdPing, let interval = systemd.watchdogInterval, now >= next {
            systemd.watchdogPing()
            nextSystemdPing = now + interval / 2
        }
    }

    // MARK: Actions

    private func perform(_ actions: [ChildLifecycle.Action], for slot: Slot, now: Instant) async {
        for action in actions {
            switch action {
            case .spawn:
                await spawn(slot, now: now)
            case .signal(let signal):
                send(signal, to: slot)
            case .killProcessGroup:
                killGroup(of: slot)
            case .becameReady:
                slot.readyAt = Date()
                logger.info("child ready", metadata: [
                    "child": "\(slot.name)", "pid": "\(slot.lifecycle.pid ?? 0)",
                    "start_seconds": "\(slot.readyAt!.timeIntervalSince(slot.spawnedAt ?? slot.readyAt!))",
                ])
                await startEligibleChildren(now: now)
                reportStartupIfDone()
            case .exited(let record, let decision):
                await exited(slot, record: record, decision: decision, now: now)
            }
        }
    }

    private func spawn(_ slot: Slot, now: Instant) async {
        if shuttingDown || slot.removeWhenDown || slot.replacement != nil {
            _ = slot.lifecycle.stop(now: now)
            return
        }
        let request = supervisor.options.launch.request(for: slot.lifecycle.spec)
        slot.notifyEpoch = slot.notify.beginEpoch()
        switch await spawner.spawn(request) {
        case .success(let process):
            let spawnedAt = ContinuousClock.now
            slot.process = process
            slot.spawnedAt = Date()
            slot.readyAt = nil
            slot.lifecycle.spawned(pid: process.pid, now: spawnedAt)
            OutputReader.start(fd: process.stdout, child: slot.name, stream: "stdout", logger: logger, poller: poller)
            OutputReader.start(fd: process.stderr, child: slot.name, stream: "stderr", logger: logger, poller: poller)
            logger.info("child started", metadata: [
                "child": "\(slot.name)", "pid": "\(process.pid)", "command": "\(request.executable)",
            ])
        case .failure(let error):
            logger.error("child could not be started", metadata: ["child": "\(slot.name)", "error": "\(error)"])
            await perform(slot.lifecycle.spawnFailed("\(error)", now: now, wallClock: Date()), for: slot, now: now)
        }
    }

    private func send(_ signal: Int32, to slot: Slot) {
        guard let process = slot.process else { return }
        logger.info("signalling child", metadata: [
            "child": "\(slot.name)", "pid": "\(process.pid)", "signal": "\(SignalName.of(signal))",
        ])
        // The pidfd cannot reach a different process that reused the pid.
        if let pidfd = process.pidfd {
            _ = warden_pidfd_send_signal(pidfd, signal)
        } else {
            kill(process.pid, signal)
        }
    }

    private func killGroup(of slot: Slot) {
        guard let process = slot.process else { return }
        logger.warning("killing child's process group", metadata: ["child": "\(slot.name)", "pgid": "\(process.pid)"])
        killpg(process.pid, SIGKILL)
        send(SIGKILL, to: slot)
    }

    private func exited(_ slot: Slot, record: ExitRecord, decision: ChildLifecycle.Decision, now: Instant) async {
        var metadata: Logger.Metadata = [
            "child": "\(slot.name)", "cause": "\(record.cause.rawValue)", "detail": "\(record.detail)",
        ]
        switch decision {
        case .restartNow: metadata["next"] = "restart now"
        case .restartAfter(let delay): metadata["next"] = "restart in \(DurationText.format(delay.rounded(to: .milliseconds(1))))"
        case .stayDown(let why): metadata["next"] = "stay down: \(why)"
        }
        logger.log(level: record.cause == .requested ? .info : .warning, "child exited", metadata: metadata)
        switch decision {
        case .restartNow, .restartAfter:
            guard !shuttingDown, record.cause != .requested else { return }
            if !intensity.recordRestart(at: now) {
                logger.critical("restart intensity exceeded; stopping everything so systemd's policy takes over", metadata: [
                    "restarts": "\(intensity.count)", "max_restarts": "\(intensity.maxRestarts)",
                    "window": "\(DurationText.format(intensity.window))", "last_child": "\(slot.name)",
                ])
                failure = WardenError(
                    .restartIntensity,
                    "more than \(intensity.maxRestarts) restarts within \(DurationText.format(intensity.window)); gave up")
                await beginShutdown(now: now)
            }
        case .stayDown(let why) where record.cause != .requested:
            logger.error("child will not be restarted", metadata: ["child": "\(slot.name)", "reason": "\(why)"])
            reportStartupIfDone()
        case .stayDown:
            break
        }
    }

    /// A child that went down may have been waiting for that to be replaced or removed.
    private func settle(_ slot: Slot, now: Instant) async {
        guard slot.lifecycle.isDown, !shuttingDown else { return }
        if let spec = slot.replacement {
            slot.replacement = nil
            slot.lifecycle = ChildLifecycle(
                spec: spec, backoff: configuration.supervisor.backoff,
                watchdogKillGrace: configuration.supervisor.watchdogKillGrace)
            slot.awaitingDependencies = true
            await startEligibleChildren(now: now)
        } else if slot.removeWhenDown {
            slot.notify.invalidate()
            slots.removeAll { $0 === slot }
            logger.info("child removed", metadata: ["child": "\(slot.name)"])
        } else if slot.awaitingDependencies {
            await startEligibleChildren(now: now)
        }
    }

    private func startEligibleChildren(now: Instant) async {
        guard !shuttingDown else { return }
        for slot in slots where slot.awaitingDependencies {
            let dependencies = slot.lifecycle.spec.dependsOn
            guard dependencies.allSatisfy({ name in self.slot(named: name)?.lifecycle.isReady ?? true }) else { continue }
            slot.awaitingDependencies = false
            await perform(slot.lifecycle.start(), for: slot, now: now)
        }
    }

    // MARK: Upward to systemd

    /// A child still waiting for dependencies that are on their way up (not down for good).
    private func canStartSoon(_ slot: Slot) -> Bool {
        guard slot.awaitingDependencies else { return false }
        return slot.lifecycle.spec.dependsOn.allSatisfy { name in
            guard let dependency = self.slot(named: name) else { return true }
            return !dependency.lifecycle.isDown || canStartSoon(dependency)
        }
    }

    /// READY=1 once start-up is over: every child ready, or down for good (STATUS says which).
    private func reportStartupIfDone() {
        guard !startupReported, !shuttingDown else { return }
        // Down for any reason (failed, stopped by an operator, waiting on a dependency that is down)
        // also ends start-up: STATUS= and /readyz say which children are not running.
        let settled = slots.allSatisfy { slot in
            slot.lifecycle.isReady || (slot.lifecycle.isDown && !canStartSoon(slot))
        }
        guard settled else { return }
        startupReported = true
        publish()
        let status = supervisor.status()
        lastSummary = status.summaryLine()
        systemd.ready(status: lastSummary)
        logger.info("supervisor ready", metadata: ["status": "\(lastSummary)"])
    }

    private func updateSystemdStatus(force: Bool) {
        guard startupReported || force else { return }
        let summary = supervisor.status().summaryLine()
        if summary != lastSummary || force {
            lastSummary = summary
            systemd.status(summary)
        }
    }

    // MARK: Shutdown

    private func beginShutdown(now: Instant) async {
        guard !shuttingDown else { return }
        shuttingDown = true
        for slot in slots { slot.awaitingDependencies = false }
        stopJobsForShutdown(now: now)
        systemd.stopping(status: "stopping children")
        let drain = slots.filter { !$0.lifecycle.isDown }.reduce(Duration.seconds(5)) { $0 + $1.lifecycle.spec.stopTimeout }
        systemd.extendTimeout(drain)
        await advanceShutdown(now: now)
    }

    /// Stops children in reverse dependency order: a child gets SIGTERM once everything that
    /// depends on it is down.
    private func advanceShutdown(now: Instant) async {
        var signalled = false
        for slot in slots.reversed() where !slot.lifecycle.isDown {
            if case .terminating(_, .stop, _) = slot.lifecycle.phase { continue }
            let dependents = slots.filter { $0.lifecycle.spec.dependsOn.contains(slot.name) }
            guard dependents.allSatisfy({ $0.lifecycle.isDown }) else { continue }
            await perform(slot.lifecycle.stop(now: now), for: slot, now: now)
            signalled = true
        }
        if signalled {
            let remaining = slots.filter { !$0.lifecycle.isDown }
            systemd.extendTimeout(remaining.reduce(Duration.seconds(5)) { $0 + $1.lifecycle.spec.stopTimeout })
        }
    }

    // MARK: Operator requests

    /// Operator requests, each answered and written to the `audit` category.
    private func control(_ request: ControlRequest, now: Instant) async -> ControlReply {
        let reply = await perform(request, now: now)
        Self.audit.notice("control request", metadata: ["request": "\(Self.describe(request))", "ok": "\(reply.ok)", "reply": "\(reply.message)"])
        return reply
    }

    static let audit = Logger(label: "warden.audit")

    static func describe(_ request: ControlRequest) -> String {
        switch request {
        case .start(let name): "start \(name)"
        case .stop(let name): "stop \(name)"
        case .restart(let name): "restart \(name)"
        case .reload: "reload"
        case .runJob(let name): "run \(name)"
        case .runOnce(let name, let arguments, _): "run once \(name): \(arguments.joined(separator: " "))"
        }
    }

    private func perform(_ request: ControlRequest, now: Instant) async -> ControlReply {
        if shuttingDown { return ControlReply(ok: false, message: "the supervisor is shutting down") }
        switch request {
        case .reload:
            return await reload(now: now)
        case .runJob(let name):
            return await runJobNow(name, now: now)
        case .runOnce(let name, let arguments, let timeout):
            return await runOnce(JobSpec(name: name, arguments: arguments, interval: .seconds(10 * 365 * 86_400), timeout: timeout), now: now)
        case .start(let name), .stop(let name), .restart(let name):
            guard let slot = slot(named: name) else {
                var message = "no child named '\(name)'; children: \(slots.map(\.name).joined(separator: ", "))"
                if let guess = DidYouMean.suggestion(for: name, among: slots.map(\.name)) {
                    message = "no child named '\(name)'; did you mean '\(guess)'?"
                }
                return ControlReply(ok: false, message: message)
            }
            switch request {
            case .start:
                if slot.lifecycle.pid != nil { return ControlReply(ok: true, message: "\(name) is already running") }
                slot.awaitingDependencies = true
                await startEligibleChildren(now: now)
                return ControlReply(ok: true, message: slot.awaitingDependencies ? "\(name) waits for its dependencies" : "starting \(name)")
            case .stop:
                slot.awaitingDependencies = false
                await perform(slot.lifecycle.stop(now: now), for: slot, now: now)
                reportStartupIfDone()
                return ControlReply(ok: true, message: "stopping \(name)")
            default:
                slot.awaitingDependencies = false
                await perform(slot.lifecycle.restart(now: now), for: slot, now: now)
                return ControlReply(ok: true, message: "restarting \(name)")
            }
        }
    }

    /// Reloads the file; a bad file is refused and the running configuration stays. Only children
    /// whose spec changed are restarted.
    private func reload(now: Instant) async -> ControlReply {
        systemd.reloading()
        // READY=1 ends the reload for systemd, but must not announce a start-up that is not over.
        defer { if startupReported { systemd.ready(status: supervisor.status().summaryLine()) } }
        let updated: WardenConfiguration
        do {
            updated = try supervisor.options.reloadConfiguration()
        } catch {
            for issue in error.issues { logger.error("reload refused: \(issue)") }
            return ControlReply(
                ok: false, message: "configuration refused; still running the previous one",
                errors: error.issues.map(\.description))
        }
        var changes: [String] = []
        if updated.supervisor.listen != configuration.supervisor.listen {
            logger.warning("supervisor.listen changed; it takes effect at the next start")
        }
        intensity.maxRestarts = updated.supervisor.maxRestarts
        intensity.window = updated.supervisor.restartWindow
        // Replaced and added children take the new backoff and watchdog settings.
        configuration = updated
        reloadJobs(updated, now: now)
        for slot in slots where !updated.children.contains(where: { $0.name == slot.name }) {
            slot.removeWhenDown = true
            slot.awaitingDependencies = false
            changes.append("removed \(slot.name)")
            await perform(slot.lifecycle.stop(now: now), for: slot, now: now)
            await settle(slot, now: now)
        }
        for spec in DependencyOrder.startOrder(updated.children) {
            if let slot = slot(named: spec.name) {
                // A previous reload may have marked it for removal or replacement; this one decides.
                if slot.removeWhenDown {
                    slot.removeWhenDown = false
                    slot.awaitingDependencies = true
                }
                guard spec != slot.lifecycle.spec else {
                    slot.replacement = nil
                    continue
                }
                changes.append("changed \(spec.name)")
                slot.replacement = spec
                await perform(slot.lifecycle.stop(now: now), for: slot, now: now)
                await settle(slot, now: now)
            } else {
                do {
                    slots.append(try makeSlot(spec))
                    changes.append("added \(spec.name)")
                } catch {
                    logger.error("child could not be added", metadata: ["child": "\(spec.name)", "error": "\(error)"])
                }
            }
        }
        await startEligibleChildren(now: now)
        let message = changes.isEmpty ? "configuration reloaded; no child changed" : "configuration reloaded: \(changes.joined(separator: ", "))"
        logger.info("\(message)")
        return ControlReply(ok: true, message: message)
    }

    // MARK: Helpers

    private func slot(named name: String) -> Slot? { slots.first { $0.name == name } }

    private func makeSlot(_ spec: ChildSpec) throws -> Slot {
        let input = supervisor.input
        let notify = try NotifySocket(path: directories.notifySocket(spec.name), poller: poller) {
            input.yield(.notify(child: spec.name))
        }
        let lifecycle = ChildLifecycle(
            spec: spec, backoff: configuration.supervisor.backoff,
            watchdogKillGrace: configuration.supervisor.watchdogKillGrace)
        return Slot(lifecycle: lifecycle, notify: notify)
    }

    private func prepareRuntimeDirectory() throws {
        let notifyDirectory = directories.runtime + "/notify"
        do {
            try FileManager.default.createDirectory(atPath: notifyDirectory, withIntermediateDirectories: true)
        } catch {
            throw WardenError(.configuration, "cannot create runtime directory: \(error.localizedDescription)", location: notifyDirectory)
        }
        // Only the supervisor's user may reach the notify sockets.
        chmod(notifyDirectory, 0o700)
    }

    private func scheduleTimer() {
        let deadlines = slots.compactMap(\.lifecycle.nextDeadline) + jobs.map(\.nextDeadline) + [nextHousekeeping] + [nextSystemdPing].compactMap { $0 }
        guard let next = deadlines.min() else { return }
        if let timer, timer.at <= next { return }
        timer?.task.cancel()
        let input = supervisor.input
        timer = (Task {
            do {
                try await Task.sleep(until: next, clock: .continuous)
                input.yield(.tick)
            } catch {}
        }, next)
    }

    private func publish() {
        let state: String
        if shuttingDown {
            state = "stopping"
        } else if slots.allSatisfy(\.lifecycle.isReady) {
            state = "running"
        } else {
            state = startupReported ? "degraded" : "starting"
        }
        let children = slots.map { slot in childStatus(slot) }
        let jobs = jobStatuses()
        supervisor.board.publish { status in
            status.state = state
            status.ready = !shuttingDown && slots.allSatisfy(\.lifecycle.isReady)
            status.children = children
            status.jobs = jobs
        }
    }

    private func childStatus(_ slot: Slot) -> ChildStatus {
        let lifecycle = slot.lifecycle
        var downReason: String?
        let state: String
        switch lifecycle.phase {
        case .down(.notStarted): state = slot.awaitingDependencies ? "waiting" : "stopped"
        case .down(.stoppedOnRequest): state = "stopped"; downReason = "stopped on request"
        case .down(.failed(let why)): state = "failed"; downReason = why
        case .backoff: state = "backoff"
        case .starting: state = "starting"
        case .running: state = "running"
        case .terminating: state = "stopping"
        }
        return ChildStatus(
            name: slot.name, state: state, pid: lifecycle.pid,
            spawnedAt: lifecycle.pid == nil ? nil : slot.spawnedAt?.timeIntervalSince1970,
            readyAt: lifecycle.isReady ? slot.readyAt?.timeIntervalSince1970 : nil,
            restarts: lifecycle.restarts,
            restartsByReason: Dictionary(uniqueKeysWithValues: lifecycle.restartsByCause.map { ($0.key.rawValue, $0.value) }),
            startDurationSeconds: lifecycle.lastStartDuration?.seconds, watchdogTimeouts: lifecycle.watchdogTimeouts,
            statusText: lifecycle.statusText, downReason: downReason,
            lastExit: lifecycle.lastExit.map(ChildStatus.LastExit.init))
    }
}
