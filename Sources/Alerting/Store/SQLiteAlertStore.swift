import Foundation
import GRDB

/// The alert store in the SQLite database file the rest of Warden uses, on the process's one pool.
public final class SQLiteAlertStore: AlertStore {
    let queue: any DatabaseWriter

    public init(database: any DatabaseWriter) {
        queue = database
    }

    static func storedAlert(_ row: Row) -> StoredAlert {
        StoredAlert(
            id: row["id"], fingerprint: row["fingerprint"], name: row["name"],
            labels: StoreCoding.decode([String: String].self, row["labels"]) ?? [:], annotations: StoreCoding.decode([String: String].self, row["annotations"]) ?? [:],
            state: row["state"], value: row["value"], startsAt: row["starts_at"], firedAt: row["fired_at"], endsAt: row["ends_at"],
            ackedBy: row["acked_by"], ackedAt: row["acked_at"], ackComment: row["ack_comment"])
    }

    public func restore() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry]) {
        try await queue.read { db in
            let alerts = try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE state IN ('pending', 'firing') ORDER BY id").map(Self.storedAlert)
            let log = try Row.fetchAll(db, sql: "SELECT * FROM notification_log").map { row in
                NotificationLogEntry(
                    groupKey: row["group_key"], integration: row["integration"],
                    firing: StoreCoding.decode(Set<String>.self, row["firing"]) ?? [], resolved: StoreCoding.decode(Set<String>.self, row["resolved"]) ?? [],
                    sentAt: row["sent_at"])
            }
            return (alerts, log)
        }
    }

    public func commit(_ cycle: CycleWrite) async throws {
        try await queue.write { db in
            for alert in cycle.alerts {
                let state = alert.state == .inactive ? "resolved" : alert.state.rawValue
                let open = try Int64.fetchOne(db, sql: "SELECT id FROM alerts WHERE fingerprint = ? AND starts_at = ?", arguments: [alert.fingerprint, alert.activeAt])
                if let open {
                    try db.execute(sql: """
                        UPDATE alerts SET state = ?, value = ?, annotations = ?, fired_at = ?, ends_at = ? WHERE id = ?
                        """, arguments: [state, alert.value.isFinite ? alert.value : nil, StoreCoding.json(alert.annotations), alert.firedAt, alert.resolvedAt, open])
                } else {
                    try db.execute(sql: """
                        INSERT INTO alerts (fingerprint, name, labels, annotations, state, starts_at, ends_at, value, fired_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [alert.fingerprint, alert.name, StoreCoding.json(alert.labels.dictionary), StoreCoding.json(alert.annotations), state,
                                         alert.activeAt, alert.resolvedAt, alert.value.isFinite ? alert.value : nil, alert.firedAt])
                }
            }
            try Self.insert(cycle.notifications, at: cycle.now, db)
            for entry in cycle.log {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO notification_log (group_key, integration, firing, resolved, sent_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [entry.groupKey, entry.integration, StoreCoding.json(entry.firing.sorted()), StoreCoding.json(entry.resolved.sorted()), entry.sentAt])
            }
        }
    }

    static func insert(_ notifications: [AlertNotification], at time: Int64, _ db: Database) throws {
        for notification in notifications {
            try db.execute(sql: """
                INSERT OR IGNORE INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)
                """, arguments: [notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification), time, time])
        }
    }

    public func enqueue(_ notifications: [AlertNotification], at time: Int64) async throws {
        try await queue.write { db in try Self.insert(notifications, at: time, db) }
    }

    public func recordAttempt(_ notification: AlertNotification, error: String?, at time: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
                """, arguments: [notification.idempotencyKey, notification.receiver, notification.integration, StoreCoding.json(notification),
                                 error == nil ? "sent" : "dead", time, error, notification.createdAt, error == nil ? time : nil])
        }
    }

    public func silences(activeAt time: Int64?) async throws -> [Silence] {
        try await queue.read { db in
            let rows = if let time {
                try Row.fetchAll(db, sql: "SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY starts_at", arguments: [time, time])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM silences ORDER BY starts_at")
            }
            return rows.map { row in
                Silence(id: row["id"], matchers: StoreCoding.decode([String].self, row["matchers"]) ?? [], startsAt: row["starts_at"], endsAt: row["ends_at"],
                        createdBy: row["created_by"], comment: row["comment"])
            }
        }
    }

    public func addSilence(_ silence: Silence, at time: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [silence.id, StoreCoding.json(silence.matchers), silence.startsAt, silence.endsAt, silence.createdBy, silence.comment, time])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, 'silence', ?, ?)",
                           arguments: [time, silence.createdBy, silence.id, "\(silence.matchers.joined(separator: " ")): \(silence.comment)"])
        }
    }

    public func expireSilence(_ id: String, at time: Int64) async throws -> Bool {
        try await queue.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM silences WHERE id LIKE ? AND ends_at > ?", arguments: ["\(id)%", time])
            guard ids.count == 1 else { return false }
            try db.execute(sql: "UPDATE silences SET ends_at = ? WHERE id = ?", arguments: [time, ids[0]])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'operator', 'silence_expire', ?, '')", arguments: [time, ids[0]])
            return true
        }
    }

    public func acknowledgedFingerprints() async throws -> Set<String> {
        try await queue.read { db in
            Set(try String.fetchAll(db, sql: "SELECT fingerprint FROM alerts WHERE state = 'firing' AND acked_at IS NOT NULL"))
        }
    }

    public func alerts(states: [String]) async throws -> [StoredAlert] {
        try await queue.read { db in
            let marks = states.map { _ in "?" }.joined(separator: ", ")
            return try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE state IN (\(marks)) ORDER BY starts_at, id", arguments: StatementArguments(states))
                .map(Self.storedAlert)
        }
    }

    public func acknowledge(_ id: Int64, by actor: String, comment: String?, at time: Int64) async throws -> StoredAlert? {
        try await queue.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ? AND state = 'firing'", arguments: [id]) else { return nil }
            try db.execute(sql: "UPDATE alerts SET acked_by = ?, acked_at = ?, ack_comment = ? WHERE id = ?", arguments: [actor, time, comment, id])
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, 'alert_ack', ?, ?)",
                           arguments: [time, actor, "alert:\(id)", comment ?? ""])
            var alert = Self.storedAlert(row)
            alert.ackedBy = actor
            alert.ackedAt = time
            alert.ackComment = comment
            return alert
        }
    }

    public func recoverInterrupted() async throws -> Int {
        try await queue.write { db in
            try db.execute(sql: "UPDATE notification_outbox SET state = 'pending' WHERE state = 'sending'")
            return db.changesCount
        }
    }

    public func due(at time: Int64, limit: Int) async throws -> [OutboxRow] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, integration, attempts, created_at, payload FROM notification_outbox
                WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [time, limit]).compactMap { row in
                guard let notification = StoreCoding.decode(AlertNotification.self, row["payload"]) else { return nil }
                return OutboxRow(id: row["id"], integration: row["integration"], attempts: row["attempts"], createdAt: row["created_at"], notification: notification)
            }
        }
    }

    public func markSending(_ id: Int64) async throws {
        try await queue.write { db in try db.execute(sql: "UPDATE notification_outbox SET state = 'sending' WHERE id = ?", arguments: [id]) }
    }

    public func markSent(_ id: Int64, attempts: Int, at time: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "UPDATE notification_outbox SET state = 'sent', attempts = ?, sent_at = ?, last_error = NULL WHERE id = ?", arguments: [attempts, time, id])
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String) async throws {
        try await queue.write { db in
            try db.execute(sql: "UPDATE notification_outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                           arguments: [attempts, next, error, id])
        }
    }

    public func markDead(_ id: Int64, attempts: Int, error: String) async throws {
        try await queue.write { db in
            try db.execute(sql: "UPDATE notification_outbox SET state = 'dead', attempts = ?, last_error = ? WHERE id = ?", arguments: [attempts, error, id])
        }
    }

    public func outboxCounts() async throws -> (pending: Int, dead: Int) {
        try await queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM notification_outbox WHERE state IN ('pending', 'sending')") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM notification_outbox WHERE state = 'dead'") ?? 0)
        }
    }

    public func nextAttempt() async throws -> Int64? {
        try await queue.read { db in try Int64.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM notification_outbox WHERE state = 'pending'") }
    }

    public func outbox(limit: Int) async throws -> [(id: Int64, integration: String, state: String, attempts: Int, lastError: String?, createdAt: Int64, sentAt: Int64?)] {
        try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                (row["id"], row["integration"], row["state"], row["attempts"], row["last_error"], row["created_at"], row["sent_at"])
            }
        }
    }
}
