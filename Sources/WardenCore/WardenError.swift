/// An error meant for an operator: what went wrong, where, and the exit status it maps to.
public struct WardenError: Error, CustomStringConvertible, Sendable {
    /// Broad classes of failure; each maps to a process exit status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The sysexits.h status a command exits with for this code.
        public let exitStatus: Int32

        /// Configuration that cannot work: bad file, bad flag, unusable directory (EX_CONFIG).
        public static let configuration = Code(name: "configuration", exitStatus: 78)
        /// Something at run time failed: a port in use, a peer that is down.
        public static let runtime = Code(name: "runtime", exitStatus: 1)
        /// The supervisor gave up after too many restarts; systemd's policy takes over.
        public static let restartIntensity = Code(name: "restart-intensity", exitStatus: 3)
        /// A command-line request that cannot be carried out (unknown child, no supervisor).
        public static let usage = Code(name: "usage", exitStatus: 64)
        /// A service the command needs is not available (the control socket, say).
        public static let unavailable = Code(name: "unavailable", exitStatus: 69)

        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// Where it happened: a file, a socket path, a child name.
    public var location: String?
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, location: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.underlying = underlying
    }

    public var description: String {
        location.map { "\($0): \(message)" } ?? message
    }
}
