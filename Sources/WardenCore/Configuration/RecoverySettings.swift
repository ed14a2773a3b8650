/// `recovery:`: the supervisor's automatic recovery procedures (runbooks with a `recovery:` section).
public struct RecoverySettings: Sendable, Hashable, Decodable {
    /// Off: alerts page people and nothing acts by itself.
    public var enabled: Bool
    /// Where the runbooks are (default: $WARDEN_RUNBOOKS, a checkout's runbooks/, the installed copy).
    public var runbooks: String?
    /// A run still going after this is stopped (and counts as given up).
    public var timeout: Duration

    public init(enabled: Bool = true, runbooks: String? = nil, timeout: Duration = .seconds(600)) {
        self.enabled = enabled
        self.runbooks = runbooks
        self.timeout = timeout
    }

    static let keys = ["enabled", "runbooks", "timeout"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            enabled: fields.read("enabled", default: true), runbooks: fields.read("runbooks"),
            timeout: fields.duration("timeout", default: .seconds(600)))
    }
}
