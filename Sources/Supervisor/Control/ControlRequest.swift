/// What `warden ctl` (and later the API worker) can ask of the supervisor.
public enum ControlRequest: Sendable, Equatable {
    case start(String)
    case stop(String)
    case restart(String)
    case reload
    /// Run a scheduled job now (`warden ctl run backup`).
    case runJob(String)
}

/// The supervisor's answer: whether it was done, and a line for the operator.
public struct ControlReply: Sendable, Codable, Equatable {
    public var ok: Bool
    public var message: String
    /// Configuration problems, one `PATH:LINE: key: message` per entry, when a reload was refused.
    public var errors: [String]?

    public init(ok: Bool, message: String, errors: [String]? = nil) {
        self.ok = ok
        self.message = message
        self.errors = errors
    }
}
