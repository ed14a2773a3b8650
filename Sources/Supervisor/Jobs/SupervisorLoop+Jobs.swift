import CSpawn
import Foundation
import Logging
import WardenCore
import WardenProtocol

/// Scheduled jobs in the supervisor's loop: started when due (or on request), stopped when they
/// overrun their timeout, counted when they exit.
extension SupervisorLoop {
    func runDueJobs(now: Instant) async {
        guard !shuttingDown else { return }
        for job in jobs {
            if job.process == nil {
                if now >= job.nextRun { await startJob(job, now: now, reason: "scheduled") }
            } else if let startedAt = job.startedAt {
                if let termSentAt = job.termSentAt {
                    if now >= termSentAt + .seconds(30), let pid = job.process?.pid { killpg(pid, SIGKILL) }
                } else if now >= startedAt + job.spec.timeout, let pid = job.process?.pid {
                    logger.error("job overran its timeout; stopping it", metadata: [
                        "job": "\(job.spec.name)", "pid": "\(pid)", "timeout": "\(DurationText.format(job.spec.timeout))",
                    ])
                    killpg(pid, SIGTERM)
                    job.termSentAt = now
                }
            }
        }
    }

    func startJob(_ job: JobSlot, now: Instant, reason: String) async {
        let request = supervisor.options.launch.request(forJob: job.spec.arguments)
        switch await spawner.spawn(request) {
        case .success(let process):
            job.process = process
            job.startedAt = now
            job.termSentAt = nil
            job.status.state = "running"
            job.status.pid = process.pid
            let name = "job:\(job.spec.name)"
            OutputReader.start(fd: process.stdout, child: name, stream: "stdout", logger: logger, poller: poller)
            OutputReader.start(fd: process.stderr, child: name, stream: "stderr", logger: logger, poller: poller)
            logger.info("job started", metadata: [
                "job": "\(job.spec.name)", "pid": "\(process.pid)", "reason": "\(reason)",
                "command": "\(job.spec.arguments.joined(separator: " "))",
            ])
        case .failure(let error):
            logger.error("job could not be started", metadata: ["job": "\(job.spec.name)", "error": "\(error)"])
            finishJob(job, result: "failure", detail: "\(error)", now: now)
        }
    }

    /// True when `pid` was a job's process (and its exit has been recorded).
    func jobReaped(pid: Int32, status: ProcessStatus, now: Instant) -> Bool {
        guard let job = jobs.first(where: { $0.process?.pid == pid }) else { return false }
        if let pidfd = job.process?.pidfd { close(pidfd) }
        killpg(pid, SIGKILL)
        let detail: String
        var success = false
        switch status {
        case .exited(let code):
            detail = "exit status \(code)"
            success = code == 0
        case .signaled(let signal, _):
            detail = "killed by \(SignalName.of(signal))"
        }
        finishJob(job, result: success ? "success" : "failure", detail: detail, now: now)
        return true
    }

    private func finishJob(_ job: JobSlot, result: String, detail: String, now: Instant) {
        let duration = job.startedAt.map { (now - $0).seconds }
        job.process = nil
        job.startedAt = nil
        job.termSentAt = nil
        job.nextRun = job.onRequestOnly ? now + .seconds(10 * 365 * 86_400) : now + job.spec.interval
        job.status.state = "idle"
        job.status.pid = nil
        job.status.runs[result, default: 0] += 1
        job.status.lastResult = detail
        job.status.lastDurationSeconds = duration
        let wall = Date().timeIntervalSince1970
        if result == "success" { job.status.lastSuccessAt = wall } else { job.status.lastFailureAt = wall }
        logger.log(level: result == "success" ? .info : .error, "job finished", metadata: [
            "job": "\(job.spec.name)", "result": "\(result)", "detail": "\(detail)",
            "seconds": "\(String(format: "%.3f", duration ?? 0))",
        ])
        if job.removeAfterRun { jobs.removeAll { $0 === job } }
    }

    func runJobNow(_ name: String, now: Instant) async -> ControlReply {
        guard let job = jobs.first(where: { $0.spec.name == name }) else {
            let names = jobs.map(\.spec.name)
            return ControlReply(
                ok: false,
                message: names.isEmpty
                    ? "no job named '\(name)'; none is configured (backup.interval, database.maintenance_interval, reports)"
                    : "no job named '\(name)'; jobs: \(names.joined(separator: ", "))")
        }
        if let pid = job.process?.pid { return ControlReply(ok: true, message: "\(name) is already running (pid \(pid))") }
        await startJob(job, now: now, reason: "requested")
        guard let pid = job.process?.pid else { return ControlReply(ok: false, message: "\(name) could not be started") }
        return ControlReply(ok: true, message: "started \(name) (pid \(pid))")
    }

    /// A job on request only (an automatic recovery): its slot stays, so its runs and last result
    /// show in the status; a second request while it runs is refused, never doubled.
    func runOnce(_ spec: JobSpec, now: Instant) async -> ControlReply {
        let job: JobSlot
        if let existing = jobs.first(where: { $0.spec.name == spec.name }) {
            guard existing.onRequestOnly else {
                return ControlReply(ok: false, message: "\(spec.name) is a scheduled job; `warden ctl run \(spec.name)` runs it now")
            }
            if let pid = existing.process?.pid { return ControlReply(ok: false, message: "\(spec.name) is already running (pid \(pid))") }
            existing.spec = spec
            job = existing
        } else {
            job = JobSlot(spec: spec, now: now)
            job.onRequestOnly = true
            jobs.append(job)
        }
        await startJob(job, now: now, reason: "requested")
        guard let pid = job.process?.pid else { return ControlReply(ok: false, message: "\(spec.name) could not be started") }
        return ControlReply(ok: true, message: "started \(spec.name) (pid \(pid))")
    }

    /// New job specs from a reload; a running job finishes under its old spec.
    func reloadJobs(_ configuration: WardenConfiguration, now: Instant) {
        let specs = JobSpec.jobs(for: configuration)
        for job in jobs where !job.onRequestOnly && !specs.contains(where: { $0.name == job.spec.name }) {
            if job.process == nil { jobs.removeAll { $0 === job } } else { job.removeAfterRun = true }
        }
        for spec in specs {
            if let job = jobs.first(where: { $0.spec.name == spec.name }) {
                if job.spec.interval != spec.interval, job.process == nil { job.nextRun = now + spec.interval }
                job.spec = spec
                job.status.intervalSeconds = spec.interval.seconds
                job.removeAfterRun = false
            } else {
                jobs.append(JobSlot(spec: spec, now: now))
            }
        }
    }

    func stopJobsForShutdown(now: Instant) {
        for job in jobs where job.termSentAt == nil {
            guard let pid = job.process?.pid else { continue }
            logger.info("stopping job for shutdown", metadata: ["job": "\(job.spec.name)", "pid": "\(pid)"])
            killpg(pid, SIGTERM)
            job.termSentAt = now
        }
    }

    var jobsIdle: Bool { jobs.allSatisfy { $0.process == nil } }

    func jobStatuses() -> [JobStatus] {
        let wallOffset = Date().timeIntervalSince1970
        let now = ContinuousClock.now
        return jobs.map { job in
            var status = job.status
            status.nextRunAt = job.process == nil ? wallOffset + (job.nextRun - now).seconds : nil
            return status
        }
    }
}
