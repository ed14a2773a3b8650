import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Resilience
import ServiceLifecycle
import Storage
import Synchronization
import Telemetry
import WardenCore

/// The supervisor's alerting: every evaluation interval it takes the samples it exposes on
/// /metrics into the rules' window, evaluates the rules, routes and groups the alerts, and writes
/// the notifications due into the outbox in the same transaction as the notification log; a
/// second loop delivers the outbox with retries, per-channel circuit breakers and dead letters.
public final class AlertingService: Service {
    public struct Options: Sendable {
        public var config: AlertingConfig
        public var groups: [RuleGroup]
        /// The labels Prometheus would add when scraping this supervisor (`job`, `instance`).
        public var targetLabels: [String: String]
        public var retryBackoff = ExponentialBackoff(initial: .seconds(1), max: .seconds(300))
        /// A notification undelivered this long is given up on.
        public var giveUpAfter: Int64 = 24 * 3_600_000
        /// Told after every evaluation with every alert's state (automatic recovery listens).
        public var onEvaluated: (@Sendable ([Alert]) -> Void)?

        public init(config: AlertingConfig, groups: [RuleGroup], targetLabels: [String: String]) {
            self.config = config
            self.groups = groups
            self.targetLabels = targetLabels
        }
    }

    let options: Options
    let store: any AlertStore
    let samples: @Sendable () async -> [MetricFamily]
    let now: @Sendable () -> Int64
    let logger: Logger
    let deliverer = Deliverer()
    let metrics: AlertingMetrics
    let breakers = Mutex<[String: CircuitBreaker]>([:])
    /// Channels whose notifications go to their route's failover chain while their circuit is open.
    let failedOver = Mutex<Set<String>>([])
    let doorbell = Doorbell()

    public init(
        options: Options, store: any AlertStore, metrics: AlertingMetrics, samples: @escaping @Sendable () async -> [MetricFamily], logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.options = options
        self.store = store
        self.metrics = metrics
        self.samples = samples
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.runLoops() }
    }

    func runLoops() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    let interrupted = try await self.store.recoverInterrupted()
                    if interrupted > 0 { self.logger.warning("notifications interrupted mid-send are pending again", metadata: ["count": "\(interrupted)"]) }
                } catch {
                    self.logger.error("interrupted notifications could not be reset; they stay in state 'sending'", metadata: ["error": "\(error)"])
                }
                try await withThrowingTaskGroup(of: Void.self) { loops in
                    loops.addTask { try await self.evaluationLoop() }
                    loops.addTask { try await self.deliveryLoop() }
                    try await loops.next()
                    loops.cancelAll()
                }
                return true
            }
            do {
                while let loopsEnded = try await group.next(), !loopsEnded {}
            } catch is CancellationError {
            } catch {
                logger.critical("alerting stopped", metadata: ["error": "\(error)"])
                throw error
            }
            group.cancelAll()
        }
    }

    // MARK: Evaluation

    func evaluationLoop() async throws {
        let restored = try await restoreState()
        var engine = RuleEngine(groups: options.groups, store: SeriesStore(retention: max(3_600_000, Self.longestRange(options.groups) + 600_000)),
                                externalLabels: options.config.externalLabels)
        engine.restore(restored.alerts.map { stored in
            Alert(labels: Labels(stored.labels), annotations: stored.annotations, value: stored.value ?? .nan,
                  state: stored.state == "firing" ? .firing : .pending, activeAt: stored.startsAt, firedAt: stored.firedAt)
        })
        var dispatcher = Dispatcher(config: options.config, log: restored.log)
        var forwarder = AlertForwarder(evaluationInterval: options.config.evaluationInterval)
        let interval = options.config.evaluationInterval
        var nextEvaluation = now()
        logger.info("alerting started", metadata: [
            "rules": "\(options.groups.reduce(0) { $0 + $1.rules.count })", "groups": "\(options.groups.count)",
            "evaluation_interval": "\(interval) ms", "restored_alerts": "\(restored.alerts.count)",
        ])
        while !Task.isCancelled {
            let time = now()
            if time >= nextEvaluation {
                await evaluate(&engine, at: time)
                options.onEvaluated?(engine.alerts)
                dispatcher.update(engine.alerts, now: time)
                await forward(&forwarder, engine.alerts, now: time)
                nextEvaluation += interval * max(1, (time - nextEvaluation) / interval + 1)
            }
            await flush(&dispatcher, alerts: engine.alerts, now: time)
            let wake = min(nextEvaluation, dispatcher.nextFlush ?? nextEvaluation)
            let delay = max(0, wake - now())
            try await Task.sleep(for: .milliseconds(delay))
        }
    }

    /// The alert state and notification log kept before a restart; a database that is not
    /// answering yet is retried (logged) rather than leaving the supervisor without alerting.
    func restoreState() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry]) {
        var attempt = 0
        while true {
            do {
                return try await store.restore()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                attempt += 1
                let delay = options.retryBackoff.delay(forRetry: attempt)
                logger.error("alert state could not be read; alerting waits for the database", metadata: [
                    "error": "\(error)", "retry_in_ms": "\(delay.nanoseconds / 1_000_000)",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }

    static func longestRange(_ groups: [RuleGroup]) -> Int64 {
        var longest: Int64 = 0
        func visit(_ expression: Expression) {
            switch expression {
            case .matrix(let selector, let range): longest = max(longest, range + max(0, selector.offset))
            case .vector(let selector): longest = max(longest, max(0, selector.offset))
            case .call(_, let arguments): arguments.forEach(visit)
            case .aggregate(_, let parameter, let operand, _, _): parameter.map(visit); visit(operand)
            case .binary(_, let lhs, let rhs, _, _): visit(lhs); visit(rhs)
            case .negate(let inner): visit(inner)
            default: break
            }
        }
        for group in groups {
            for rule in group.rules {
                switch rule {
                case .recording(let recording): visit(recording.expression)
                case .alerting(let alerting): visit(alerting.expression)
                }
            }
        }
        return longest
    }

    func evaluate(_ engine: inout RuleEngine, at time: Int64) async {
        let started = ContinuousClock.now
        let families = await samples()
        let current = Self.samples(from: families, adding: options.targetLabels)
        engine.store.ingest(current, at: time, source: "self")
        engine.store.trim(now: time)
        let previousErrors = engine.errors
        engine.evaluate(at: time)
        for (rule, error) in engine.errors where previousErrors[rule] != error {
            logger.error("rule evaluation failed", metadata: ["rule": "\(rule)", "error": "\(error)"])
        }
        let alerts = engine.alerts
        let elapsed = (ContinuousClock.now - started).seconds
        metrics.stats.withLock { stats in
            stats.evaluations += 1
            stats.ruleFailures += engine.errors.count
            stats.evaluationSeconds = elapsed
            stats.lastEvaluation = Double(time) / 1000
            stats.seriesInWindow = engine.store.seriesCount
            stats.alerts = ["pending": alerts.filter { $0.state == .pending }.count, "firing": alerts.filter { $0.state == .firing }.count]
        }
    }

    /// A database that does not answer must not stall evaluation (its own alert has to fire):
    /// each store call here gets this long, and a cycle that could not be written is written again
    /// with the next one (the writes are idempotent).
    static let storeDeadline = Duration.seconds(5)

    func flush(_ dispatcher: inout Dispatcher, alerts: [Alert], now time: Int64) async {
        let store = store
        let expired: @Sendable () -> any Error = { StoreTimeout() }
        do {
            let (silences, acknowledged) = try await withDeadline(Self.storeDeadline, expired: expired) {
                (try await store.silences(activeAt: time), try await store.acknowledgedFingerprints())
            }
            // On a copy: the notification log says "sent" only once the cycle is durable, so a
            // cycle that could not be written is flushed again, notifications and all.
            var next = dispatcher
            let (notifications, log) = next.flush(now: time, silences: silences, acknowledged: acknowledged)
            let cycle = CycleWrite(alerts: alerts, notifications: notifications, log: log, now: time)
            try await withDeadline(Self.storeDeadline, expired: expired) { try await store.commit(cycle) }
            dispatcher = next
            for notification in notifications {
                logger.info("notification queued", metadata: [
                    "receiver": "\(notification.integration)", "group": "\(notification.groupKey)", "status": "\(notification.status)",
                    "alerts": "\(notification.alerts.count)",
                ])
            }
            if !notifications.isEmpty { await doorbell.ring() }
        } catch {
            logger.error("alert state could not be written; retrying next cycle", metadata: ["error": "\(error)"])
        }
    }

    /// Exposition families as rule samples: names with suffixes, the scrape's target labels added.
    static func samples(from families: [MetricFamily], adding target: [String: String]) -> [Sample] {
        var result: [Sample] = []
        // The supervisor's own samples are taken as they are; only workers' lines, kept in
        // exposition form, are parsed.
        for family in MetricFamily.expandingRendered(families) {
            for sample in family.samples {
                var labels = [Label(Labels.metricName, family.name + sample.suffix)]
                labels += sample.labels.map { Label($0.0, $0.1) }
                for (name, value) in target where !sample.labels.contains(where: { $0.0 == name }) { labels.append(Label(name, value)) }
                result.append(Sample(Labels(labels), sample.value))
            }
        }
        result.append(Sample(Labels([Label(Labels.metricName, "up")] + target.map { Label($0.key, $0.value) }), 1))
        return result
    }

    // MARK: Forwarding

    func forward(_ forwarder: inout AlertForwarder, _ alerts: [Alert], now time: Int64) async {
        guard !options.config.alertmanagers.isEmpty else { return }
        let batch = forwarder.batch(alerts, now: time, externalLabels: options.config.externalLabels)
        guard !batch.isEmpty, let body = try? JSONSerialization.data(withJSONObject: batch, options: [.sortedKeys]) else { return }
        for base in options.config.alertmanagers {
            let outcome = await deliverer.http(HTTPRequestSpec(
                url: base + "/api/v2/alerts", headers: [("Content-Type", "application/json"), ("User-Agent", ChannelRequests.userAgent)], body: Array(body)))
            let result: String
            switch outcome {
            case .delivered: result = "sent"
            case .retry(_, let reason), .permanent(let reason):
                result = "failed"
                logger.warning("alerts could not be forwarded to Alertmanager", metadata: ["alertmanager": "\(base)", "error": "\(reason)"])
            }
            metrics.stats.withLock { $0.forwarded[[base, result], default: 0] += 1 }
        }
    }

    // MARK: Delivery

    func deliveryLoop() async throws {
        while !Task.isCancelled {
            do {
                try await deliverDue()
                await probeFailedOver()
                let counts = try await store.outboxCounts()
                metrics.stats.withLock { $0.outboxPending = counts.pending; $0.outboxDead = counts.dead }
                let next = try await store.nextAttempt()
                // Rows the CLI adds (acknowledgements) are found within a second; the service's own ring at once.
                let wait = min(next.map { max(0, $0 - now()) } ?? 1000, 1000)
                await doorbell.wait(until: .now + .milliseconds(wait))
            } catch is CancellationError {
                return
            } catch {
                logger.error("outbox could not be read; retrying in 5 s", metadata: ["error": "\(error)"])
                await doorbell.wait(until: .now + .seconds(5))
            }
        }
    }

    func integration(_ id: String) -> (ReceiverConfig, Integration)? {
        for receiver in options.config.receivers.values {
            if let integration = receiver.integrations.first(where: { $0.id == id }) { return (receiver, integration) }
        }
        return nil
    }

    /// Due rows, each channel's in order on its own task, so a slow or unreachable receiver
    /// delays only its own notifications.
    func deliverDue() async throws {
        let rows = try await store.due(at: now(), limit: 200)
        let byChannel = Dictionary(grouping: rows, by: \.integration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (_, channelRows) in byChannel {
                group.addTask {
                    for row in channelRows {
                        try Task.checkCancellation()
                        try await self.deliver(row)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func deliver(_ row: OutboxRow) async throws {
        guard let (receiver, integration) = integration(row.integration) else {
            try await store.markDead(row.id, attempts: row.attempts, error: "channel \(row.integration) is no longer configured")
            return
        }
        let time = now()
        let allowed = breakers.withLock { $0[integration.id, default: CircuitBreaker()].allows(at: time) }
        guard allowed else {
            let reason = "circuit breaker open for \(integration.id)"
            if isFailedOver(integration.id), try await divert(row, attempts: row.attempts, reason: reason) { return }
            let reopens = breakers.withLock { $0[integration.id]?.reopensAt } ?? time + 60_000
            try await store.markRetry(row.id, attempts: row.attempts, next: reopens, error: reason)
            return
        }
        try await store.markSending(row.id)
        let attempts = row.attempts + 1
        let outcome: DeliveryOutcome
        do {
            outcome = await deliverer.send(try ChannelRequests.build(row.notification, integration))
        } catch {
            outcome = .permanent(reason: "the request could not be built: \(error)")
        }
        let done = now()
        let label = integration.kind.rawValue.replacingOccurrences(of: "_configs", with: "")
        switch outcome {
        case .delivered:
            try await store.markSent(row.id, attempts: attempts, at: done)
            channelAnswered(integration.id)
            metrics.stats.withLock { stats in
                stats.notifications[[receiver.name, label, "delivered"], default: 0] += 1
                stats.latency.observe(Double(max(0, done - row.notification.createdAt)) / 1000)
            }
            logger.info("notification delivered", metadata: ["receiver": "\(integration.id)", "attempts": "\(attempts)", "id": "\(row.id)"])
        case .retry(let after, let reason):
            _ = channelFailed(integration.id, at: done)
            // A failed-over channel's trial call failed: its notification follows the others.
            if isFailedOver(integration.id), try await divert(row, attempts: attempts, reason: reason) { return }
            if done - row.createdAt >= options.giveUpAfter {
                try await store.markDead(row.id, attempts: attempts, error: "gave up after \(attempts) attempts: \(reason)")
                metrics.stats.withLock { $0.notifications[[receiver.name, label, "dead"], default: 0] += 1 }
                logger.error("notification given up", metadata: ["receiver": "\(integration.id)", "error": "\(reason)"])
                return
            }
            let backoff = options.retryBackoff.delay(forRetry: attempts)
            let next = done + max(after ?? 0, backoff.nanoseconds / 1_000_000)
            try await store.markRetry(row.id, attempts: attempts, next: next, error: reason)
            metrics.stats.withLock { $0.notifications[[receiver.name, label, "retried"], default: 0] += 1 }
            logger.warning("notification failed; will retry", metadata: [
                "receiver": "\(integration.id)", "attempts": "\(attempts)", "retry_in_ms": "\(next - done)", "error": "\(reason)",
            ])
        case .permanent(let reason):
            try await store.markDead(row.id, attempts: attempts, error: reason)
            metrics.stats.withLock { $0.notifications[[receiver.name, label, "dead"], default: 0] += 1 }
            logger.error("notification rejected; kept as a dead letter", metadata: ["receiver": "\(integration.id)", "error": "\(reason)"])
        }
    }
}

/// The alert store did not answer within `AlertingService.storeDeadline`.
struct StoreTimeout: Error, CustomStringConvertible {
    var description: String { "the database did not answer within \(DurationText.format(AlertingService.storeDeadline))" }
}
