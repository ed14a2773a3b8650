/// What a person or a tool may do: each role can do everything the ones before it can.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads: status, history, analytics, reports, monitoring.
    case viewer
    /// Trading, strategies, backtests and acknowledging alerts.
    case `operator`
    /// Users, API keys, operations and configuration.
    case admin

    var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    public func allows(_ needed: Role) -> Bool { self >= needed }
}

/// Who is calling, once authenticated: the user, the role in force (an API key's role never
/// exceeds its owner's), and how they proved it.
public struct Principal: Sendable, Hashable {
    public enum Credential: Sendable, Hashable {
        case accessToken
        case apiKey(prefix: String)
    }

    public var userID: Int64
    public var name: String
    public var role: Role
    public var credential: Credential

    public init(userID: Int64, name: String, role: Role, credential: Credential) {
        self.userID = userID
        self.name = name
        self.role = role
        self.credential = credential
    }

    /// How the audit log names the caller: the user, and the key when a tool acted.
    public var actor: String {
        switch credential {
        case .accessToken: name
        case .apiKey(let prefix): "\(name) (key \(prefix))"
        }
    }
}
