import Foundation
import Resilience

/// What a canary or a failover found for one channel.
public struct ChannelCheck: Sendable, Equatable {
    public var integration: String
    public var ok: Bool
    public var detail: String
}

/// The `notifications-failing` procedure's two moves: canary the failing channels (a success
/// closes the circuit and sends their waiting notifications now), and fail over those still
/// failing to the next receiver of their route, so a page still reaches a person.
extension AlertingService {
    /// Channels whose circuit is not closed, or whose last attempt failed, or that are failed over.
    func failingChannels() -> [(ReceiverConfig, Integration)] {
        let (states, over) = (breakers.withLock { $0 }, failedOver.withLock { $0 })
        return options.config.receivers.values.sorted { $0.name < $1.name }.flatMap { receiver in
            receiver.integrations.filter { integration in
                let breaker = states[integration.id]
                return over.contains(integration.id) || breaker.map { $0.state != .closed || $0.consecutiveFailures > 0 } == true
            }.map { (receiver, $0) }
        }
    }

    /// A test notification through each failing channel, recorded like any attempt.
    public func canary(only: Set<String>? = nil) async -> [ChannelCheck] {
        var results: [ChannelCheck] = []
        for (receiver, integration) in failingChannels() where only?.contains(integration.id) ?? true {
            let time = now()
            let notice = OperatorNotices.test(receiver: receiver.name, integration: integration, at: time)
            let outcome: DeliveryOutcome
            do { outcome = await deliverer.send(try ChannelRequests.build(notice, integration)) } catch {
                outcome = .permanent(reason: "the request could not be built: \(error)")
            }
            let done = now()
            switch outcome {
            case .delivered(let status):
                channelAnswered(integration.id)
                try? await store.expedite(integration: integration.id, at: done)
                results.append(ChannelCheck(integration: integration.id, ok: true, detail: "delivered (\(status))"))
            case .retry(_, let reason), .permanent(let reason):
                _ = channelFailed(integration.id, at: done)
                results.append(ChannelCheck(integration: integration.id, ok: false, detail: reason))
            }
            let error = results.last!.ok ? nil : results.last!.detail
            try? await store.recordAttempt(notice, error: error, at: done)
            logger.log(level: error == nil ? .info : .warning, "canary notification", metadata: [
                "receiver": "\(integration.id)", "result": "\(error == nil ? "delivered" : "failed")", "error": "\(error ?? "")",
            ])
        }
        await doorbell.ring()
        return results
    }

    /// Fails every failing channel over: its waiting notifications, and new ones while its
    /// circuit stays open, go to the first receiver of their route's chain with a working
    /// channel. `ok` is false for a channel whose routes have no working receiver to go to.
    public func failover() async -> [ChannelCheck] {
        var results: [ChannelCheck] = []
        for (receiver, integration) in failingChannels() {
            failedOver.withLock { _ = $0.insert(integration.id) }
            metrics.stats.withLock { $0.failedOver.insert(integration.id) }
            // Where its notifications would go, per route it serves.
            let routes = options.config.route.all.filter { $0.receiver == receiver.name }
            let destinations = Set(routes.compactMap { route in
                let chain = Failover.chain(route: route, from: receiver.name, critical: false, config: options.config)
                return Failover.firstHealthy(chain, config: options.config, isHealthy: isHealthy)?.receiver
            }).sorted()
            try? await store.expedite(integration: integration.id, at: now())
            let ok = !destinations.isEmpty
            results.append(ChannelCheck(integration: integration.id, ok: ok, detail: ok ? destinations.joined(separator: ", ") : "no receiver in its failover chain works"))
            logger.warning("notifications failed over", metadata: [
                "receiver": "\(integration.id)", "to": "\(ok ? destinations.joined(separator: ",") : "nowhere: no receiver works")",
            ])
        }
        await doorbell.ring()
        return results
    }

    /// A failed-over channel gets no notifications to try its circuit with: once its cooldown
    /// has passed, a canary is its trial call, so it takes its notifications back when it works.
    func probeFailedOver() async {
        let time = now()
        let due = failedOver.withLock { $0 }.filter { id in breakers.withLock { $0[id]?.reopensAt.map { $0 <= time } ?? false } }
        guard !due.isEmpty else { return }
        _ = await canary(only: due)
    }

    /// A delivery through the channel worked: its circuit closes and a failover ends.
    func channelAnswered(_ id: String) {
        breakers.withLock { $0[id, default: CircuitBreaker()].recordSuccess() }
        endFailover(id)
        metrics.stats.withLock { $0.breakersOpen["receiver:\(id)"] = false }
    }

    /// A delivery through the channel failed; true when its circuit is open now.
    func channelFailed(_ id: String, at time: Int64) -> Bool {
        let open = breakers.withLock { breakers -> Bool in
            breakers[id, default: CircuitBreaker()].recordFailure(at: time)
            return breakers[id]!.state == .open
        }
        metrics.stats.withLock { $0.breakersOpen["receiver:\(id)"] = open }
        return open
    }

    func isFailedOver(_ id: String) -> Bool { failedOver.withLock { $0.contains(id) } }

    /// A channel that may be sent to now: circuit not open and not failed over.
    func isHealthy(_ id: String) -> Bool {
        !isFailedOver(id) && breakers.withLock { $0[id]?.state } != .open
    }

    /// A delivery through a failed-over channel worked: it takes its notifications back.
    func endFailover(_ id: String) {
        let ended = failedOver.withLock { $0.remove(id) != nil }
        guard ended else { return }
        metrics.stats.withLock { _ = $0.failedOver.remove(id) }
        logger.info("receiver works again; failover ends", metadata: ["receiver": "\(id)"])
    }

    /// Sends a failed-over channel's row to its chain's first working receiver. False when no
    /// receiver works: the row stays for a later attempt.
    func divert(_ row: OutboxRow, attempts: Int, reason: String) async throws -> Bool {
        guard let (name, targets) = Failover.targets(for: row.notification, config: options.config, isHealthy: isHealthy) else {
            logger.error("a failed-over notification has no working receiver; it waits", metadata: ["receiver": "\(row.integration)", "id": "\(row.id)"])
            return false
        }
        let copies = targets.map { Failover.readdress(row.notification, to: name, $0) }
        try await store.failOver(row.id, attempts: attempts, to: copies, error: "failed over to \(name) (\(reason))", at: now())
        metrics.stats.withLock { stats in
            for target in targets { stats.failoverMoves[[row.integration, target.id], default: 0] += 1 }
        }
        logger.warning("notification failed over", metadata: ["from": "\(row.integration)", "to": "\(targets.map(\.id).joined(separator: ","))", "id": "\(row.id)"])
        await doorbell.ring()
        return true
    }
}
