import Storage

/// The alert stores' statements, the same on SQLite and PostgreSQL (see `SharedSQL` for the
/// notation). Each store only binds values and decodes rows its engine's way.
enum AlertSQL {
    static let alertColumns = "id, fingerprint, name, labels{::text}, annotations{::text}, state, value, starts_at, fired_at, ends_at, acked_by, acked_at, ack_comment"

    static let openAlerts = SharedSQL("SELECT \(alertColumns) FROM alerts WHERE state IN ('pending', 'firing') ORDER BY id")
    static let firingAlert = SharedSQL("SELECT \(alertColumns) FROM alerts WHERE id = ? AND state = 'firing'")
    /// Alerts in any of `count` states (one bind each).
    static func alerts(inStates count: Int) -> SharedSQL {
        SharedSQL("SELECT \(alertColumns) FROM alerts WHERE state IN (\(Array(repeating: "?", count: max(count, 1)).joined(separator: ", "))) ORDER BY starts_at, id")
    }
    static let updateAlert = SharedSQL("""
        UPDATE alerts SET state = ?, value = ?, annotations = ?{::jsonb}, fired_at = ?, ends_at = ? WHERE fingerprint = ? AND starts_at = ? RETURNING id
        """)
    static let insertAlert = SharedSQL("""
        INSERT INTO alerts (fingerprint, name, labels, annotations, state, starts_at, ends_at, value, fired_at)
        VALUES (?, ?, ?{::jsonb}, ?{::jsonb}, ?, ?, ?, ?, ?)
        """)
    static let acknowledgedFingerprints = SharedSQL("SELECT fingerprint FROM alerts WHERE state = 'firing' AND acked_at IS NOT NULL")
    static let acknowledge = SharedSQL("UPDATE alerts SET acked_by = ?, acked_at = ?, ack_comment = ? WHERE id = ?")

    static let notificationLog = SharedSQL("SELECT group_key, integration, firing, resolved, sent_at FROM notification_log")
    static let writeLog = SharedSQL("""
        INSERT INTO notification_log (group_key, integration, firing, resolved, sent_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (group_key, integration) DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at
        """)

    static let enqueue = SharedSQL("""
        INSERT INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, created_at)
        VALUES (?, ?, ?, ?{::jsonb}, 'pending', 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING
        """)
    static let recordAttempt = SharedSQL("""
        INSERT INTO notification_outbox (idempotency_key, receiver, integration, payload, state, attempts, next_attempt_at, last_error, created_at, sent_at)
        VALUES (?, ?, ?, ?{::jsonb}, ?, 1, ?, ?, ?, ?)
        """)
    static let recoverInterrupted = SharedSQL("UPDATE notification_outbox SET state = 'pending' WHERE state = 'sending' RETURNING id")
    static let due = SharedSQL("""
        SELECT id, integration, attempts, created_at, payload{::text} FROM notification_outbox
        WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
        """)
    static let markSending = SharedSQL("UPDATE notification_outbox SET state = 'sending' WHERE id = ?")
    static let markSent = SharedSQL("UPDATE notification_outbox SET state = 'sent', attempts = ?, sent_at = ?, last_error = NULL WHERE id = ?")
    static let markRetry = SharedSQL("UPDATE notification_outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?")
    static let markDead = SharedSQL("UPDATE notification_outbox SET state = 'dead', attempts = ?, last_error = ? WHERE id = ?")
    static let expedite = SharedSQL("UPDATE notification_outbox SET next_attempt_at = ? WHERE state = 'pending' AND integration = ?")
    static let outboxCounts = SharedSQL("""
        SELECT count(*) FILTER (WHERE state IN ('pending', 'sending')), count(*) FILTER (WHERE state = 'dead') FROM notification_outbox
        """)
    static let nextAttempt = SharedSQL("SELECT min(next_attempt_at) FROM notification_outbox WHERE state = 'pending'")
    static let outbox = SharedSQL("""
        SELECT id, integration, state, attempts, last_error, created_at, sent_at FROM notification_outbox ORDER BY id DESC LIMIT ?
        """)

    static let activeSilences = SharedSQL("""
        SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY starts_at
        """)
    static let allSilences = SharedSQL("SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences ORDER BY starts_at")
    static let addSilence = SharedSQL("""
        INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        """)
    static let activeSilencesLike = SharedSQL("SELECT id FROM silences WHERE id LIKE ? AND ends_at > ?")
    static let endSilence = SharedSQL("UPDATE silences SET ends_at = ? WHERE id = ?")

    static let audit = SharedSQL("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
}
