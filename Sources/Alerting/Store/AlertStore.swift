import Storage

/// An alert as kept in the database's history (`alerts`), one row per firing episode.
public struct StoredAlert: Sendable, Codable, Equatable {
    public var id: Int64
    public var fingerprint: String
    public var name: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var state: String
    public var value: Double?
    public var startsAt: Int64
    public var firedAt: Int64?
    public var endsAt: Int64?
    public var ackedBy: String?
    public var ackedAt: Int64?
    public var ackComment: String?
}

/// An outbox row due for delivery.
public struct OutboxRow: Sendable {
    public var id: Int64
    public var integration: String
    public var attempts: Int
    public var createdAt: Int64
    public var notification: AlertNotification
}

/// One evaluation cycle's writes, applied in one transaction: alert history, new notifications
/// and the notification log entries they satisfy.
public struct CycleWrite: Sendable {
    public var alerts: [Alert]
    public var notifications: [AlertNotification]
    public var log: [NotificationLogEntry]
    public var now: Int64
}

/// Where alerting keeps its state: the outbox that makes delivery durable, the notification log,
/// silences, acknowledgements and history. One implementation per database engine.
public protocol AlertStore: Sendable {
    /// Open alert episodes (pending or firing) and the notification log, to resume after a restart.
    func restore() async throws -> (alerts: [StoredAlert], log: [NotificationLogEntry])
    func commit(_ cycle: CycleWrite) async throws
    func silences(activeAt time: Int64?) async throws -> [Silence]
    func addSilence(_ silence: Silence, at time: Int64) async throws
    /// Ends a silence now; false when no active silence has that id (or unique prefix).
    func expireSilence(_ id: String, at time: Int64) async throws -> Bool
    func acknowledgedFingerprints() async throws -> Set<String>
    func alerts(states: [String]) async throws -> [StoredAlert]
    /// Records an acknowledgement on a firing episode; nil when there is no such firing alert.
    func acknowledge(_ id: Int64, by: String, comment: String?, at time: Int64) async throws -> StoredAlert?
    func enqueue(_ notifications: [AlertNotification], at time: Int64) async throws
    /// A notification sent outside the outbox (a canary), kept in its history as sent or dead.
    func recordAttempt(_ notification: AlertNotification, error: String?, at time: Int64) async throws
    /// Rows in state `sending` are from a process that died mid-send: pending again.
    func recoverInterrupted() async throws -> Int
    func due(at time: Int64, limit: Int) async throws -> [OutboxRow]
    func markSending(_ id: Int64) async throws
    func markSent(_ id: Int64, attempts: Int, at time: Int64) async throws
    func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String) async throws
    func markDead(_ id: Int64, attempts: Int, error: String) async throws
    /// Moves a row to other channels in one transaction: the copies are queued, the row is kept
    /// as a dead letter saying where it went. Never lost; after a crash at most sent twice.
    func failOver(_ id: Int64, attempts: Int, to copies: [AlertNotification], error: String, at time: Int64) async throws
    /// A channel's waiting rows become due now (its circuit closed again).
    func expedite(integration: String, at time: Int64) async throws
    func outboxCounts() async throws -> (pending: Int, dead: Int)
    func nextAttempt() async throws -> Int64?
    func outbox(limit: Int) async throws -> [OutboxEntry]
}

/// One outbox row as `warden alerts outbox` lists it.
public typealias OutboxEntry = (id: Int64, integration: String, state: String, attempts: Int, lastError: String?, createdAt: Int64, sentAt: Int64?)

/// An alert's values as both stores write them.
struct CommitRow {
    var state: String
    var value: Double?
    var labels: String
    var annotations: String

    init(_ alert: Alert) {
        state = alert.state == .inactive ? "resolved" : alert.state.rawValue
        value = alert.value.isFinite ? alert.value : nil
        labels = StoreCoding.json(alert.labels.dictionary)
        annotations = StoreCoding.json(alert.annotations)
    }
}

extension StoredAlert {
    func acknowledged(by actor: String, at time: Int64, comment: String?) -> StoredAlert {
        var alert = self
        alert.ackedBy = actor
        alert.ackedAt = time
        alert.ackComment = comment
        return alert
    }
}

extension Silence {
    /// What the audit log says about a new silence.
    var auditDetail: String { "\(matchers.joined(separator: " ")): \(comment)" }
}

extension DatabaseHandle {
    /// The alert store on this handle (the supervisor's, `warden alerts`, the API's).
    public func alertStore() -> any AlertStore {
        switch engine {
        case .sqlite(_, let pool): SQLiteAlertStore(database: pool)
        case .postgres(_, let client): PostgresAlertStore(client: client)
        }
    }
}
