/// One sd_notify datagram: newline-separated `KEY=VALUE` assignments.
public struct NotifyMessage: Sendable, Equatable {
    public enum Field: Sendable, Equatable {
        case ready
        case reloading
        case stopping
        case status(String)
        case watchdogPing
        /// WATCHDOG=trigger: the child asks to be treated as if its watchdog had expired.
        case watchdogTrigger
        case extendTimeout(Duration)
        /// A key Warden does not act on (MAINPID=, ERRNO=, FDSTORE=, X_*=...), kept for debug logging.
        case other(key: String, value: String)
        /// A line without `=` or with an unusable value.
        case malformed(String)
    }

    public var fields: [Field]

    public init(fields: [Field]) { self.fields = fields }

    /// Parses a datagram as sd_notify(3) defines it; unknown keys are kept, not rejected.
    public init(parsing text: String) {
        var fields: [Field] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else {
                fields.append(.malformed(String(line)))
                continue
            }
            let key = line[..<equals]
            let value = String(line[line.index(after: equals)...])
            switch key {
            case "READY" where value == "1": fields.append(.ready)
            case "RELOADING" where value == "1": fields.append(.reloading)
            case "STOPPING" where value == "1": fields.append(.stopping)
            case "STATUS": fields.append(.status(value))
            case "WATCHDOG" where value == "1": fields.append(.watchdogPing)
            case "WATCHDOG" where value == "trigger": fields.append(.watchdogTrigger)
            case "EXTEND_TIMEOUT_USEC":
                if let usec = UInt64(value), usec <= UInt64(Int64.max / 1_000) {
                    fields.append(.extendTimeout(.microseconds(Int64(usec))))
                } else {
                    fields.append(.malformed(String(line)))
                }
            case "READY", "RELOADING", "STOPPING", "WATCHDOG": fields.append(.malformed(String(line)))
            default: fields.append(.other(key: String(key), value: value))
            }
        }
        self.fields = fields
    }
}

/// Everything a child said since the supervisor last looked, merged, so a child that floods its
/// notify socket costs one event per look rather than one per datagram.
public struct NotifyBatch: Sendable, Equatable {
    public var ready = false
    public var stopping = false
    public var reloading = false
    public var status: String?
    public var watchdogPings = 0
    public var watchdogTrigger = false
    /// The largest extension asked for.
    public var extendTimeout: Duration?
    /// Up to `ignoredLimit` unknown or malformed lines, for debug logging.
    public var ignored: [String] = []
    public var datagrams = 0
    public var lastSenderPID: Int32 = 0

    static let ignoredLimit = 8

    public init() {}

    public var isEmpty: Bool { datagrams == 0 }

    public mutating func merge(_ message: NotifyMessage, senderPID: Int32) {
        datagrams += 1
        lastSenderPID = senderPID
        for field in message.fields {
            switch field {
            case .ready: ready = true
            case .stopping: stopping = true
            case .reloading: reloading = true
            case .status(let text): status = text
            case .watchdogPing: watchdogPings += 1
            case .watchdogTrigger: watchdogTrigger = true
            case .extendTimeout(let extra): extendTimeout = max(extendTimeout ?? .zero, extra)
            case .other(let key, let value): note("\(key)=\(value)")
            case .malformed(let line): note("malformed: \(line)")
            }
        }
    }

    private mutating func note(_ line: String) {
        if ignored.count < Self.ignoredLimit { ignored.append(String(line.prefix(200))) }
    }
}
