import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WardenCore
import WardenProtocol

/// The supervisor as a `Service`: one loop that owns every child, fed by an event stream
/// (reaped processes, notify batches, deadlines, control requests, signals).
public final class Supervisor: Service, Sendable {
    public struct Options: Sendable {
        public var configuration: WardenConfiguration
        public var configPath: String?
        public var directories: Directories
        public var launch: ChildLaunch
        /// Re-reads the configuration for SIGHUP and `warden ctl reload`.
        public var reloadConfiguration: @Sendable () throws(ConfigurationError) -> WardenConfiguration

        public init(
            configuration: WardenConfiguration, configPath: String?, directories: Directories, launch: ChildLaunch,
            reloadConfiguration: @escaping @Sendable () throws(ConfigurationError) -> WardenConfiguration
        ) {
            self.configuration = configuration
            self.configPath = configPath
            self.directories = directories
            self.launch = launch
            self.reloadConfiguration = reloadConfiguration
        }
    }

    enum Event: Sendable {
        case process(ProcessEvent)
        case notify(child: String)
        case tick
        case control(ControlRequest, CheckedContinuation<ControlReply, Never>)
        case gracefulShutdown
    }

    let options: Options
    let logger: Logger
    let events: AsyncStream<Event>
    let input: AsyncStream<Event>.Continuation
    let board: StatusBoard
    /// Awaited before any child starts: the HTTP and control servers are listening.
    let startGate: @Sendable () async throws -> Void

    public init(options: Options, logger: Logger, startGate: @escaping @Sendable () async throws -> Void = {}) {
        self.options = options
        self.logger = logger
        self.startGate = startGate
        (events, input) = AsyncStream.makeStream(of: Event.self)
        board = StatusBoard(configFile: options.configPath)
    }

    /// The latest status, without a round trip through the loop (so it answers even if the loop is stuck).
    public func status() -> SupervisorStatus { board.status() }

    /// Liveness: the loop turned within `within`.
    public func loopTurnedRecently(within: Duration) -> Bool { board.loopTurned(within: within) }

    /// Carries out an operator request in the loop and returns its answer.
    public func handle(_ request: ControlRequest) async -> ControlReply {
        await withCheckedContinuation { continuation in
            if case .terminated = input.yield(.control(request, continuation)) {
                continuation.resume(returning: ControlReply(ok: false, message: "the supervisor is shutting down"))
            }
        }
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.startGate() }
        } catch is CancellationError {
            return  // shut down before anything started
        }
        let input = self.input
        try ProcessSignals.becomeSubreaper()
        try ProcessSignals.watch { input.yield(.process($0)) }
        let loop = try SupervisorLoop(supervisor: self)
        try await withGracefulShutdownHandler {
            try await loop.run()
        } onGracefulShutdown: {
            input.yield(.gracefulShutdown)
        }
    }
}

/// The status snapshot the loop publishes after every event.
final class StatusBoard: Sendable {
    private struct State {
        var status: SupervisorStatus
        var lastTurn = ContinuousClock.now
    }
    private let state: Mutex<State>

    init(configFile: String?) {
        state = Mutex(State(status: SupervisorStatus(
            pid: getpid(), state: "starting", startedAt: Date().timeIntervalSince1970, ready: false,
            configFile: configFile, children: [])))
    }

    func publish(_ update: (inout SupervisorStatus) -> Void) {
        state.withLock {
            update(&$0.status)
            $0.lastTurn = .now
        }
    }

    func status() -> SupervisorStatus { state.withLock { $0.status } }

    func loopTurned(within: Duration) -> Bool { state.withLock { ContinuousClock.now - $0.lastTurn < within } }
}
