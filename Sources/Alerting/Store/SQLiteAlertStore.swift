import Foundation
import GRDB
import Storage

/// The alert store in the SQLite database file the rest of Warden uses, on the process's one pool.
/// Its statements are `AlertSQL`'s; this binds them and decodes rows GRDB's way.
public final class SQLiteAlertStore: AlertStore {
    let queue: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        queue = database
    }

    /// A row of `AlertSQL.alertColumns`.
    static func storedAlert(_ row: Row) -> StoredAlert {
        StoredAlert(
            id: row[0], fingerprint: row[1], name: row[2], labels: StoreCoding.decode([String: String].self, row[3]) ?? [:],
            annotations: StoreCoding.decode([String: String].self, row[4]) ?? [:], state: row[5], value: row[6], startsAt: row[7], firedAt: row[8],
            endsAt: row[9], ackedBy: row[10], ackedAt: row[11], ackComment: row[12])
    }

    static func rows(_ db: Database, _ sql: SharedSQL, _ arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(db, sql: sql.sqlite, arguments: arguments)
    }

    static func execute(_ db: Database, _ sql: SharedSQL, _ arguments: StatementArguments = []) throws {
        try db.execute(sql: sql.sqlite, arguments: arguments)
    }

    public func restore() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry]) {
        try await queue.read { db in
            let alerts = try Self.rows(db, AlertSQL.openAlerts).map(Self.storedAlert)
            let log = try Self.rows(db, AlertSQL.notificationLog).map { row in
                NotificationLogEntry(
                    groupKey: row[0], integration: row[1], firing: StoreCoding.decode(Set<String>.self, row[2]) ?? [],
                    resolved: StoreCoding.decode(Set<String>.self, row[3]) ?? [], sentAt: row[4])
            }
            return (alerts, log)
        }
    }

    public func commit(_ cycle: CycleWrite) async throws {
        try await queue.write { db in
            for alert in cycle.alerts {
                let row = CommitRow(alert)
                let updated = try Self.rows(db, AlertSQL.updateAlert, [row.state, row.value, row.annotations, alert.firedAt, alert.resolvedAt, alert.fingerprint, alert.activeAt])
                if updated.isEmpty {
                    try Self.execute(db, AlertSQL.insertAlert, [
                        alert.fingerprint, alert.name, row.labels, row.annotations, row.state, alert.activeAt, alert.resolvedAt, row.value, alert.firedAt])
                }
            }
            try Self.insert(cycle.notifications, at: cycle.now, db)
            for entry in cycle.log {
                try Self.execute(db, AlertSQL.writeLog, [
                    entry.groupKey, entry.integration, StoreCoding.json(entry.firing.sorted()), StoreCoding.json(entry.resolved.sorted()), entry.sentAt])
            }
        }
    }

    static func insert(_ notifications: [AlertNotification], at time: Int64, _ db: Database) throws {
        for notification in notifications {
            try execute(db, AlertSQL.enqueue, [
                notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification), time, time])
        }
    }

    public func enqueue(_ notifications: [AlertNotification], at time: Int64) async throws {
        try await queue.write { db in try Self.insert(notifications, at: time, db) }
    }

    public func recordAttempt(_ notification: AlertNotification, error: String?, at time: Int64) async throws {
        try await queue.write { db in
            try Self.execute(db, AlertSQL.recordAttempt, [
                notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification),
                error == nil ? "sent" : "dead", time, error, notification.createdAt, error == nil ? time : nil])
        }
    }

    public func silences(activeAt time: Int64?) async throws -> [Silence] {
        try await queue.read { db in
            let rows = if let time { try Self.rows(db, AlertSQL.activeSilences, [time, time]) } else { try Self.rows(db, AlertSQL.allSilences) }
            return rows.map { row in
                Silence(id: row[0], matchers: StoreCoding.decode([String].self, row[1]) ?? [], startsAt: row[2], endsAt: row[3], createdBy: row[4], comment: row[5])
            }
        }
    }

    public func addSilence(_ silence: Silence, at time: Int64) async throws {
        try await queue.write { db in
            try Self.execute(db, AlertSQL.addSilence, [
                silence.id, StoreCoding.json(silence.matchers), silence.startsAt, silence.endsAt, silence.createdBy, silence.comment, time])
            try Self.execute(db, AlertSQL.audit, [time, silence.createdBy, "silence", silence.id, silence.auditDetail])
        }
    }

    public func expireSilence(_ id: String, at time: Int64) async throws -> Bool {
        try await queue.write { db in
            let ids = try Self.rows(db, AlertSQL.activeSilencesLike, ["\(id)%", time]).map { $0[0] as String }
            guard ids.count == 1 else { return false }
            try Self.execute(db, AlertSQL.endSilence, [time, ids[0]])
            try Self.execute(db, AlertSQL.audit, [time, "operator", "silence_expire", ids[0], ""])
            return true
        }
    }

    public func acknowledgedFingerprints() async throws -> Set<String> {
        try await queue.read { db in Set(try Self.rows(db, AlertSQL.acknowledgedFingerprints).map { $0[0] as String }) }
    }

    public func alerts(states: [String]) async throws -> [StoredAlert] {
        guard !states.isEmpty else { return [] }
        return try await queue.read { db in try Self.rows(db, AlertSQL.alerts(inStates: states.count), StatementArguments(states)).map(Self.storedAlert) }
    }

    public func acknowledge(_ id: Int64, by actor: String, comment: String?, at time: Int64) async throws -> StoredAlert? {
        try await queue.write { db in
            guard let row = try Self.rows(db, AlertSQL.firingAlert, [id]).first else { return nil }
            try Self.execute(db, AlertSQL.acknowledge, [actor, time, comment, id])
            try Self.execute(db, AlertSQL.audit, [time, actor, "alert_ack", "alert:\(id)", comment ?? ""])
            return Self.storedAlert(row).acknowledged(by: actor, at: time, comment: comment)
        }
    }

    public func recoverInterrupted() async throws -> Int {
        try await queue.write { db in try Self.rows(db, AlertSQL.recoverInterrupted).count }
    }

    public func due(at time: Int64, limit: Int) async throws -> [OutboxRow] {
        try await queue.read { db in
            try Self.rows(db, AlertSQL.due, [time, limit]).compactMap { row in
                guard let notification = StoreCoding.decode(AlertNotification.self, row[4]) else { return nil }
                return OutboxRow(id: row[0], integration: row[1], attempts: row[2], createdAt: row[3], notification: notification)
            }
        }
    }

    public func markSending(_ id: Int64) async throws {
        try await queue.write { db in try Self.execute(db, AlertSQL.markSending, [id]) }
    }

    public func markSent(_ id: Int64, attempts: Int, at time: Int64) async throws {
        try await queue.write { db in try Self.execute(db, AlertSQL.markSent, [attempts, time, id]) }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String) async throws {
        try await queue.write { db in try Self.execute(db, AlertSQL.markRetry, [attempts, next, error, id]) }
    }

    public func markDead(_ id: Int64, attempts: Int, error: String) async throws {
        try await queue.write { db in try Self.execute(db, AlertSQL.markDead, [attempts, error, id]) }
    }

    public func failOver(_ id: Int64, attempts: Int, to copies: [AlertNotification], error: String, at time: Int64) async throws {
        try await queue.write { db in
            try Self.insert(copies, at: time, db)
            try Self.execute(db, AlertSQL.markDead, [attempts, error, id])
        }
    }

    public func expedite(integration: String, at time: Int64) async throws {
        try await queue.write { db in try Self.execute(db, AlertSQL.expedite, [time, integration]) }
    }

    public func outboxCounts() async throws -> (pending: Int, dead: Int) {
        try await queue.read { db in
            let row = try Self.rows(db, AlertSQL.outboxCounts).first
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }

    public func nextAttempt() async throws -> Int64? {
        try await queue.read { db in try Self.rows(db, AlertSQL.nextAttempt).first?[0] }
    }

    public func outbox(limit: Int) async throws -> [OutboxEntry] {
        try await queue.read { db in
            try Self.rows(db, AlertSQL.outbox, [limit]).map { row in (row[0], row[1], row[2], row[3], row[4], row[5], row[6]) }
        }
    }
}
