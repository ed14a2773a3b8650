import Foundation
import Logging
import PostgresNIO
import Storage

/// The alert store on PostgreSQL, on the process's one client (a `DatabaseHandle`, which runs it).
public final class PostgresAlertStore: AlertStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    static let logger = Logger(label: "warden.alerting.postgres")

    private static let alertColumns = """
        id, fingerprint, name, labels::text, annotations::text, state, value, starts_at, fired_at, ends_at, acked_by, acked_at, ack_comment
        """

    private static func storedAlerts(_ rows: PostgresRowSequence) async throws -> [StoredAlert] {
        var alerts: [StoredAlert] = []
        for try await (id, fingerprint, name, labels, annotations, state, value, startsAt, firedAt, endsAt, ackedBy, ackedAt, ackComment) in rows.decode(
            (Int64, String, String, String, String, String, Double?, Int64, Int64?, Int64?, String?, Int64?, String?).self) {
            alerts.append(StoredAlert(
                id: id, fingerprint: fingerprint, name: name, labels: StoreCoding.decode([String: String].self, labels) ?? [:],
                annotations: StoreCoding.decode([String: String].self, annotations) ?? [:], state: state, value: value, startsAt: startsAt,
                firedAt: firedAt, endsAt: endsAt, ackedBy: ackedBy, ackedAt: ackedAt, ackComment: ackComment))
        }
        return alerts
    }

    public func restore() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry]) {
        let alerts = try await Self.storedAlerts(client.query(
            "SELECT \(unescaped: Self.alertColumns) FROM alerts WHERE state IN ('pending', 'firing') ORDER BY id", logger: Self.logger))
        var log: [NotificationLogEntry] = []
        for try await (group, integration, firing, resolved, sentAt) in try await client.query(
            "SELECT group_key, integration, firing, resolved, sent_at FROM notification_log", logger: Self.logger).decode((String, String, String, String, Int64).self) {
            log.append(NotificationLogEntry(
                groupKey: group, integration: integration, firing: StoreCoding.decode(Set<String>.self, firing) ?? [],
                resolved: StoreCoding.decode(Set<String>.self, resolved) ?? [], sentAt: sentAt))
        }
        return (alerts, log)
    }

    public func commit(_ cycle: CycleWrite) async throws {
        try await client.transaction(logger: Self.logger) { connection in
            for alert in cycle.alerts {
                let state = alert.state == .inactive ? "resolved" : alert.state.rawValue
                let value: Double? = alert.value.isFinite ? alert.value : nil
                let annotations = StoreCoding.json(alert.annotations)
                var updated = 0
                for try await id in try await connection.query("""
                    UPDATE alerts SET state = \(state), value = \(value), annotations = \(annotations)::jsonb, fired_at = \(alert.firedAt),
                    ends_at = \(alert.resolvedAt) WHERE fingerprint = \(alert.fingerprint) AND starts_at = \(alert.activeAt) RETURNING id
                    """, logger: Self.logger).decode(Int64.self) {
                    _ = id
                    updated += 1
                }
                if updated == 0 {
                    let labels = StoreCoding.json(alert.labels.dictionary)
                    try await connection.query("""
                        INSERT INTO alerts (fingerprint, name, labels, annotations, state, starts_at, ends_at, value, fired_at)
                        VALUES (\(alert.fingerprint), \(alert.name), \(labels)::jsonb, \(annotations)::jsonb, \(state), \(alert.activeAt),
                        \(alert.resolvedAt), \(value), \(alert.firedAt))
                        """, logger: Self.logger)
                }
            }
            try await Self.insert(cycle.notifications, at: cycle.now, connection)
            for entry in cycle.log {
                let firing = StoreCoding.json(entry.firing.sorted()), resolved = StoreCoding.json(entry.resolved.sorted())
                try await connection.query("""
                    INSERT INTO notification_log (group_key, integration, firing, resolved, sent_at)
                    VALUES (\(entry.groupKey), \(entry.integration), \(firing), \(resolved), \(entry.sentAt))
                    ON CONFLICT (group_key, integration) DO UPDATE SET firing = EXCLUDED.firing, resolved = EXCLUDED.resolved, sent_at = EXCLUDED.sent_at
                    """, logger: Self.logger)
            }
        }
    }

    static func insert(_ notifications: [AlertNotification], at time: Int64, _ connection: PostgresConnection) async throws {
        for notification in notifications {
            let payload = StoreCoding.json(notification)
            try await connection.query("""
                INSERT INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, created_at)
                VALUES (\(notification.idempotencyKey), \(notification.receiver), \(notification.integration), \(payload)::jsonb, 'pending', 0, \(time), \(time))
                ON CONFLICT (idempotency_key) DO NOTHING
                """, logger: Self.logger)
        }
    }

    public func enqueue(_ notifications: [AlertNotification], at time: Int64) async throws {
        try await client.transaction(logger: Self.logger) { connection in try await Self.insert(notifications, at: time, connection) }
    }

    public func recordAttempt(_ notification: AlertNotification, error: String?, at time: Int64) async throws {
        let payload = StoreCoding.json(notification)
        let state = error == nil ? "sent" : "dead"
        let sentAt: Int64? = error == nil ? time : nil
        try await client.query("""
            INSERT INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
            VALUES (\(notification.idempotencyKey), \(notification.receiver), \(notification.integration), \(payload)::jsonb, \(state), 1, \(time),
            \(error), \(notification.createdAt), \(sentAt))
            """, logger: Self.logger)
    }

    public func silences(activeAt time: Int64?) async throws -> [Silence] {
        let rows = if let time {
            try await client.query("""
                SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences WHERE starts_at <= \(time) AND ends_at > \(time) ORDER BY starts_at
                """, logger: Self.logger)
        } else {
            try await client.query("SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences ORDER BY starts_at", logger: Self.logger)
        }
        var silences: [Silence] = []
        for try await (id, matchers, startsAt, endsAt, createdBy, comment) in rows.decode((String, String, Int64, Int64, String, String).self) {
            silences.append(Silence(id: id, matchers: StoreCoding.decode([String].self, matchers) ?? [], startsAt: startsAt, endsAt: endsAt,
                                    createdBy: createdBy, comment: comment))
        }
        return silences
    }

    public func addSilence(_ silence: Silence, at time: Int64) async throws {
        try await client.transaction(logger: Self.logger) { connection in
            let matchers = StoreCoding.json(silence.matchers)
            let detail = "\(silence.matchers.joined(separator: " ")): \(silence.comment)"
            try await connection.query("""
                INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at)
                VALUES (\(silence.id), \(matchers), \(silence.startsAt), \(silence.endsAt), \(silence.createdBy), \(silence.comment), \(time))
                """, logger: Self.logger)
            try await connection.query("""
                INSERT INTO audit_log (at, actor, action, target, detail) VALUES (\(time), \(silence.createdBy), 'silence', \(silence.id), \(detail))
                """, logger: Self.logger)
        }
    }

    public func expireSilence(_ id: String, at time: Int64) async throws -> Bool {
        try await client.transaction(logger: Self.logger) { connection in
            var ids: [String] = []
            let pattern = id + "%"
            for try await found in try await connection.query(
                "SELECT id FROM silences WHERE id LIKE \(pattern) AND ends_at > \(time)", logger: Self.logger).decode(String.self) { ids.append(found) }
            guard ids.count == 1 else { return false }
            try await connection.query("UPDATE silences SET ends_at = \(time) WHERE id = \(ids[0])", logger: Self.logger)
            try await connection.query("""
                INSERT INTO audit_log (at, actor, action, target, detail) VALUES (\(time), 'operator', 'silence_expire', \(ids[0]), '')
                """, logger: Self.logger)
            return true
        }
    }

    public func acknowledgedFingerprints() async throws -> Set<String> {
        var result = Set<String>()
        for try await fingerprint in try await client.query(
            "SELECT fingerprint FROM alerts WHERE state = 'firing' AND acked_at IS NOT NULL", logger: Self.logger).decode(String.self) {
            result.insert(fingerprint)
        }
        return result
    }

    public func alerts(states: [String]) async throws -> [StoredAlert] {
        try await Self.storedAlerts(client.query(
            "SELECT \(unescaped: Self.alertColumns) FROM alerts WHERE state = ANY(\(states)) ORDER BY starts_at, id", logger: Self.logger))
    }

    public func acknowledge(_ id: Int64, by actor: String, comment: String?, at time: Int64) async throws -> StoredAlert? {
        try await client.transaction(logger: Self.logger) { connection in
            let found = try await Self.storedAlerts(connection.query(
                "SELECT \(unescaped: Self.alertColumns) FROM alerts WHERE id = \(id) AND state = 'firing'", logger: Self.logger))
            guard var alert = found.first else { return nil }
            try await connection.query(
                "UPDATE alerts SET acked_by = \(actor), acked_at = \(time), ack_comment = \(comment) WHERE id = \(id)", logger: Self.logger)
            let target = "alert:\(id)", detail = comment ?? ""
            try await connection.query("""
                INSERT INTO audit_log (at, actor, action, target, detail) VALUES (\(time), \(actor), 'alert_ack', \(target), \(detail))
                """, logger: Self.logger)
            alert.ackedBy = actor
            alert.ackedAt = time
            alert.ackComment = comment
            return alert
        }
    }

    public func recoverInterrupted() async throws -> Int {
        var count = 0
        for try await _ in try await client.query(
            "UPDATE notification_outbox SET state = 'pending' WHERE state = 'sending' RETURNING id", logger: Self.logger).decode(Int64.self) { count += 1 }
        return count
    }

    public func due(at time: Int64, limit: Int) async throws -> [OutboxRow] {
        var rows: [OutboxRow] = []
        for try await (id, integration, attempts, createdAt, payload) in try await client.query("""
            SELECT id, integration, attempts, created_at, payload::text FROM notification_outbox
            WHERE state = 'pending' AND next_attempt_at <= \(time) ORDER BY next_attempt_at, id LIMIT \(limit)
            """, logger: Self.logger).decode((Int64, String, Int32, Int64, String).self) {
            guard let notification = StoreCoding.decode(AlertNotification.self, payload) else { continue }
            rows.append(OutboxRow(id: id, integration: integration, attempts: Int(attempts), createdAt: createdAt, notification: notification))
        }
        return rows
    }

    public func markSending(_ id: Int64) async throws {
        try await client.query("UPDATE notification_outbox SET state = 'sending' WHERE id = \(id)", logger: Self.logger)
    }

    public func markSent(_ id: Int64, attempts: Int, at time: Int64) async throws {
        let count = Int32(attempts)
        try await client.query(
            "UPDATE notification_outbox SET state = 'sent', attempts = \(count), sent_at = \(time), last_error = NULL WHERE id = \(id)", logger: Self.logger)
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String) async throws {
        let count = Int32(attempts)
        try await client.query("""
            UPDATE notification_outbox SET state = 'pending', attempts = \(count), next_attempt_at = \(next), last_error = \(error) WHERE id = \(id)
            """, logger: Self.logger)
    }

    public func markDead(_ id: Int64, attempts: Int, error: String) async throws {
        let count = Int32(attempts)
        try await client.query(
            "UPDATE notification_outbox SET state = 'dead', attempts = \(count), last_error = \(error) WHERE id = \(id)", logger: Self.logger)
    }

    public func outboxCounts() async throws -> (pending: Int, dead: Int) {
        for try await (pending, dead) in try await client.query("""
            SELECT count(*) FILTER (WHERE state IN ('pending', 'sending')), count(*) FILTER (WHERE state = 'dead') FROM notification_outbox
            """, logger: Self.logger).decode((Int64, Int64).self) {
            return (Int(pending), Int(dead))
        }
        return (0, 0)
    }

    public func nextAttempt() async throws -> Int64? {
        for try await next in try await client.query(
            "SELECT min(next_attempt_at) FROM notification_outbox WHERE state = 'pending'", logger: Self.logger).decode(Int64?.self) {
            return next
        }
        return nil
    }

    public func outbox(limit: Int) async throws -> [(id: Int64, integration: String, state: String, attempts: Int, lastError: String?, createdAt: Int64, sentAt: Int64?)] {
        var rows: [(id: Int64, integration: String, state: String, attempts: Int, lastError: String?, createdAt: Int64, sentAt: Int64?)] = []
        for try await (id, integration, state, attempts, lastError, createdAt, sentAt) in try await client.query("""
            SELECT id, integration, state, attempts, last_error, created_at, sent_at FROM notification_outbox ORDER BY id DESC LIMIT \(limit)
            """, logger: Self.logger).decode((Int64, String, String, Int32, String?, Int64, Int64?).self) {
            rows.append((id, integration, state, Int(attempts), lastError, createdAt, sentAt))
        }
        return rows
    }
}
