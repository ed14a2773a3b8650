import Foundation
import Logging
import PostgresNIO
import Storage

/// The alert store on PostgreSQL, on the process's one client (a `DatabaseHandle`, which runs it).
/// Its statements are `AlertSQL`'s; this binds them and decodes rows PostgresNIO's way.
public final class PostgresAlertStore: AlertStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    static let logger = Logger(label: "warden.alerting.postgres")
    typealias Value = (any PostgresThrowingDynamicTypeEncodable)?

    /// Rows of `AlertSQL.alertColumns`.
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

    private func query(_ sql: SharedSQL, _ values: Value...) async throws -> PostgresRowSequence {
        try await client.query(sql.postgresQuery(values), logger: Self.logger)
    }

    private static func query(_ connection: PostgresConnection, _ sql: SharedSQL, _ values: Value...) async throws -> PostgresRowSequence {
        try await connection.query(sql.postgresQuery(values), logger: logger)
    }

    public func restore() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry]) {
        let alerts = try await Self.storedAlerts(query(AlertSQL.openAlerts))
        var log: [NotificationLogEntry] = []
        for try await (group, integration, firing, resolved, sentAt) in try await query(AlertSQL.notificationLog).decode((String, String, String, String, Int64).self) {
            log.append(NotificationLogEntry(
                groupKey: group, integration: integration, firing: StoreCoding.decode(Set<String>.self, firing) ?? [],
                resolved: StoreCoding.decode(Set<String>.self, resolved) ?? [], sentAt: sentAt))
        }
        return (alerts, log)
    }

    public func commit(_ cycle: CycleWrite) async throws {
        try await client.transaction(logger: Self.logger) { connection in
            for alert in cycle.alerts {
                let row = CommitRow(alert)
                var updated = 0
                for try await _ in try await Self.query(
                    connection, AlertSQL.updateAlert, row.state, row.value, row.annotations, alert.firedAt, alert.resolvedAt, alert.fingerprint, alert.activeAt
                ).decode(Int64.self) { updated += 1 }
                if updated == 0 {
                    _ = try await Self.query(
                        connection, AlertSQL.insertAlert, alert.fingerprint, alert.name, row.labels, row.annotations, row.state, alert.activeAt, alert.resolvedAt,
                        row.value, alert.firedAt)
                }
            }
            try await Self.insert(cycle.notifications, at: cycle.now, connection)
            for entry in cycle.log {
                _ = try await Self.query(
                    connection, AlertSQL.writeLog, entry.groupKey, entry.integration, StoreCoding.json(entry.firing.sorted()), StoreCoding.json(entry.resolved.sorted()),
                    entry.sentAt)
            }
        }
    }

    static func insert(_ notifications: [AlertNotification], at time: Int64, _ connection: PostgresConnection) async throws {
        for notification in notifications {
            _ = try await query(
                connection, AlertSQL.enqueue, notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification), time, time)
        }
    }

    public func enqueue(_ notifications: [AlertNotification], at time: Int64) async throws {
        try await client.transaction(logger: Self.logger) { connection in try await Self.insert(notifications, at: time, connection) }
    }

    public func recordAttempt(_ notification: AlertNotification, error: String?, at time: Int64) async throws {
        let sentAt: Int64? = error == nil ? time : nil
        _ = try await query(
            AlertSQL.recordAttempt, notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification),
            error == nil ? "sent" : "dead", time, error, notification.createdAt, sentAt)
    }

    public func silences(activeAt time: Int64?) async throws -> [Silence] {
        let rows = if let time { try await query(AlertSQL.activeSilences, time, time) } else { try await query(AlertSQL.allSilences) }
        var silences: [Silence] = []
        for try await (id, matchers, startsAt, endsAt, createdBy, comment) in rows.decode((String, String, Int64, Int64, String, String).self) {
            silences.append(Silence(
                id: id, matchers: StoreCoding.decode([String].self, matchers) ?? [], startsAt: startsAt, endsAt: endsAt, createdBy: createdBy, comment: comment))
        }
        return silences
    }

    public func addSilence(_ silence: Silence, at time: Int64) async throws {
        try await client.transaction(logger: Self.logger) { connection in
            _ = try await Self.query(
                connection, AlertSQL.addSilence, silence.id, StoreCoding.json(silence.matchers), silence.startsAt, silence.endsAt, silence.createdBy,
                silence.comment, time)
            _ = try await Self.query(connection, AlertSQL.audit, time, silence.createdBy, "silence", silence.id, silence.auditDetail)
        }
    }

    public func expireSilence(_ id: String, at time: Int64) async throws -> Bool {
        try await client.transaction(logger: Self.logger) { connection in
            var ids: [String] = []
            for try await found in try await Self.query(connection, AlertSQL.activeSilencesLike, id + "%", time).decode(String.self) { ids.append(found) }
            guard ids.count == 1 else { return false }
            _ = try await Self.query(connection, AlertSQL.endSilence, time, ids[0])
            _ = try await Self.query(connection, AlertSQL.audit, time, "operator", "silence_expire", ids[0], "")
            return true
        }
    }

    public func acknowledgedFingerprints() async throws -> Set<String> {
        var result = Set<String>()
        for try await fingerprint in try await query(AlertSQL.acknowledgedFingerprints).decode(String.self) { result.insert(fingerprint) }
        return result
    }

    public func alerts(states: [String]) async throws -> [StoredAlert] {
        guard !states.isEmpty else { return [] }
        return try await Self.storedAlerts(client.query(AlertSQL.alerts(inStates: states.count).postgresQuery(states), logger: Self.logger))
    }

    public func acknowledge(_ id: Int64, by actor: String, comment: String?, at time: Int64) async throws -> StoredAlert? {
        try await client.transaction(logger: Self.logger) { connection in
            guard let alert = try await Self.storedAlerts(Self.query(connection, AlertSQL.firingAlert, id)).first else { return nil }
            _ = try await Self.query(connection, AlertSQL.acknowledge, actor, time, comment, id)
            _ = try await Self.query(connection, AlertSQL.audit, time, actor, "alert_ack", "alert:\(id)", comment ?? "")
            return alert.acknowledged(by: actor, at: time, comment: comment)
        }
    }

    public func recoverInterrupted() async throws -> Int {
        var count = 0
        for try await _ in try await query(AlertSQL.recoverInterrupted).decode(Int64.self) { count += 1 }
        return count
    }

    public func due(at time: Int64, limit: Int) async throws -> [OutboxRow] {
        var rows: [OutboxRow] = []
        for try await (id, integration, attempts, createdAt, payload) in try await query(AlertSQL.due, time, limit).decode((Int64, String, Int32, Int64, String).self) {
            guard let notification = StoreCoding.decode(AlertNotification.self, payload) else { continue }
            rows.append(OutboxRow(id: id, integration: integration, attempts: Int(attempts), createdAt: createdAt, notification: notification))
        }
        return rows
    }

    public func markSending(_ id: Int64) async throws {
        _ = try await query(AlertSQL.markSending, id)
    }

    public func markSent(_ id: Int64, attempts: Int, at time: Int64) async throws {
        _ = try await query(AlertSQL.markSent, Int32(attempts), time, id)
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String) async throws {
        _ = try await query(AlertSQL.markRetry, Int32(attempts), next, error, id)
    }

    public func markDead(_ id: Int64, attempts: Int, error: String) async throws {
        _ = try await query(AlertSQL.markDead, Int32(attempts), error, id)
    }

    public func failOver(_ id: Int64, attempts: Int, to copies: [AlertNotification], error: String, at time: Int64) async throws {
        try await client.transaction(logger: Self.logger) { connection in
            try await Self.insert(copies, at: time, connection)
            _ = try await Self.query(connection, AlertSQL.markDead, Int32(attempts), error, id)
        }
    }

    public func expedite(integration: String, at time: Int64) async throws {
        _ = try await query(AlertSQL.expedite, time, integration)
    }

    public func outboxCounts() async throws -> (pending: Int, dead: Int) {
        for try await (pending, dead) in try await query(AlertSQL.outboxCounts).decode((Int64, Int64).self) { return (Int(pending), Int(dead)) }
        return (0, 0)
    }

    public func nextAttempt() async throws -> Int64? {
        for try await next in try await query(AlertSQL.nextAttempt).decode(Int64?.self) { return next }
        return nil
    }

    public func outbox(limit: Int) async throws -> [OutboxEntry] {
        var rows: [OutboxEntry] = []
        for try await (id, integration, state, attempts, lastError, createdAt, sentAt) in try await query(AlertSQL.outbox, limit)
            .decode((Int64, String, String, Int32, String?, Int64, Int64?).self) {
            rows.append((id, integration, state, Int(attempts), lastError, createdAt, sentAt))
        }
        return rows
    }
}
