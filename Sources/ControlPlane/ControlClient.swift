import AsyncHTTPClient
import Foundation
import NIOCore
import Supervisor
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

    public func perform(_ request: ControlRequest) async throws -> ControlReply {
        switch request {
        case .reload: try await call("POST", "/v1/reload", as: ControlReply.self)
        case .start(let name): try await call("POST", "/v1/children/\(name)/start", as: ControlReply.self)
        case .stop(let name): try await call("POST", "/v1/children/\(name)/stop", as: ControlReply.self)
        case .restart(let name): try await call("POST", "/v1/children/\(name)/restart", as: ControlReply.self)
        case .runJob(let name): try await call("POST", "/v1/jobs/\(name)/run", as: ControlReply.self)
        }
    }

    /// One request to the socket, its JSON answer decoded (also used for the engine's socket).
    public func call<T: Decodable>(_ method: String, _ path: String, as type: T.Type) async throws -> T {
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw WardenError(
                .unavailable, "nothing is listening (socket missing; is `warden supervise` running with this --runtime-dir?)",
                location: socketPath)
        }
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw WardenError(.usage, "control socket path cannot be used in a URL", location: socketPath)
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw WardenError(.unavailable, "supervisor did not answer: \(error)", location: socketPath, underlying: error)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw WardenError(.runtime, "unexpected answer from the supervisor: \(String(buffer: body).prefix(200))", location: socketPath)
        }
    }
}
