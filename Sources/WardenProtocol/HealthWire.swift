/// The health model `/readyz` and `warden health` report: three layers (system, network,
/// application), each check with its state, its last success and what it saw. Ready means the
/// application layer does not fail; system and network problems warn.
public struct HealthReport: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, Comparable {
        case pass, warn, fail

        public static func < (a: State, b: State) -> Bool {
            let order: [State] = [.pass, .warn, .fail]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public struct Check: Sendable, Codable, Equatable {
        public var name: String
        public var status: State
        public var detail: String
        /// Unix seconds of the last time it passed (nil: never, since the supervisor started).
        public var lastSuccess: Double?

        public init(name: String, status: State, detail: String, lastSuccess: Double? = nil) {
            self.name = name
            self.status = status
            self.detail = detail
            self.lastSuccess = lastSuccess
        }

        enum CodingKeys: String, CodingKey {
            case name, status, detail
            case lastSuccess = "last_success"
        }
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var name: String
        public var status: State
        public var checks: [Check]

        public init(name: String, checks: [Check]) {
            self.name = name
            self.checks = checks
            status = checks.map(\.status).max() ?? .pass
        }
    }

    public var status: State
    public var ready: Bool
    public var layers: [Layer]
    /// Unix seconds.
    public var at: Double

    public init(layers: [Layer], at: Double) {
        self.layers = layers
        self.at = at
        status = layers.map(\.status).max() ?? .pass
        ready = layers.first { $0.name == "application" }.map { $0.status != .fail } ?? true
    }
}
