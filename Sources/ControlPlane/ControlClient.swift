import Foundation
import Supervisor
import WardenProtocol
import WardenCore

/// Talks to a running supervisor over its control socket.
public struct ControlClient: Sendable {
    public var socketPath: String
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(30)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    public func status() async throws -> SupervisorStatus {
        try await call("GET", "/v1/status", as: SupervisorStatus.self)
    }

    public func health() async throws -> HealthReport {
        try await call("GET", "/v1/health", as: HealthReport.self)
    }

    public func canaryNotifications() async throws -> CanaryReport {
        try await call("POST", "/v1/notifications/canary", as: CanaryReport.self)
    }

    public func failOverNotifications() async throws -> FailoverReport {
        try await call("POST", "/v1/notifications/failover", as: FailoverReport.self)
    }

    public func perform(_ request: ControlRequest) async throws -> ControlReply {
        switch request {
        case .reload: try await call("POST", "/v1/reload", as: ControlReply.self)
        case .start(let name): try await call("POST", "/v1/children/\(name)/start", as: ControlReply.self)
        case .stop(let name): try await call("POST", "/v1/children/\(name)/stop", as: ControlReply.self)
        case .restart(let name): try await call("POST", "/v1/children/\(name)/restart", as: ControlReply.self)
        case .runJob(let name): try await call("POST", "/v1/jobs/\(name)/run", as: ControlReply.self)
        case .runOnce(let name, let arguments, let timeout):
            try await call("POST", "/v1/jobs/once", body: OneOffJob(name: name, arguments: arguments, timeoutSeconds: timeout.seconds), as: ControlReply.self)
        }
    }

    /// One request to the socket, its JSON answer decoded.
    public func call<T: Decodable>(_ method: String, _ path: String, body: (some Encodable & Sendable)? = Optional<Int>.none, as type: T.Type) async throws -> T {
        try await SocketClient(socketPath: socketPath, timeout: timeout, peer: "supervisor").call(method, path, body: body, as: type)
    }
}
