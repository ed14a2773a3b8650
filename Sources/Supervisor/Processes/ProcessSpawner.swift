import CSpawn
import Foundation
import Synchronization

/// What to exec for one child.
public struct SpawnRequest: Sendable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]

    public init(executable: String, arguments: [String], environment: [String: String]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}

/// A started child: its pid, a pidfd for race-free signals, and the read ends of its output pipes.
public struct SpawnedProcess: Sendable {
    public var pid: Int32
    public var pidfd: Int32?
    public var stdout: Int32
    public var stderr: Int32
}

/// Forks every child from one long-lived thread, because PR_SET_PDEATHSIG fires when the
/// *thread* that forked a child exits, and Swift's pools retire threads at will.
public final class ProcessSpawner: Sendable {
    private struct Job: Sendable {
        var request: SpawnRequest
        var reply: CheckedContinuation<Result<SpawnedProcess, SpawnError>, Never>
    }

    private let queue = Mutex<[Job]>([])
    private let wakeup = DispatchSemaphore(value: 0)

    public init() {
        let thread = Thread { [self] in self.serve() }
        thread.name = "warden-spawner"
        thread.start()
    }

    public func spawn(_ request: SpawnRequest) async -> Result<SpawnedProcess, SpawnError> {
        await withCheckedContinuation { continuation in
            queue.withLock { $0.append(Job(request: request, reply: continuation)) }
            wakeup.signal()
        }
    }

    private func serve() -> Never {
        while true {
            wakeup.wait()
            guard let job = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.reply.resume(returning: Self.fork(job.request))
        }
    }

    private static func fork(_ request: SpawnRequest) -> Result<SpawnedProcess, SpawnError> {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard warden_pipe_cloexec(&outPipe) == 0 else { return .failure(SpawnError(step: "pipe", errno: errno)) }
        guard warden_pipe_cloexec(&errPipe) == 0 else {
            let saved = errno
            outPipe.forEach { close($0) }
            return .failure(SpawnError(step: "pipe", errno: saved))
        }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(outPipe[1])
            close(errPipe[1])
            if devNull >= 0 { close(devNull) }
        }

        let argv = CStringArray([request.executable] + request.arguments)
        let envp = CStringArray(request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        var error: Int32 = 0
        // The arrays own the C strings; they must outlive the fork, not just the reads of `.pointers`.
        let (pid, pidfd) = ProcessSignals.reapLock.withLock { _ in
            let pid = withExtendedLifetime((argv, envp)) {
                request.executable.withCString { path in
                    var spec = warden_spawn_request(
                        path: path, argv: argv.pointers, envp: envp.pointers,
                        stdin_fd: devNull, stdout_fd: outPipe[1], stderr_fd: errPipe[1],
                        parent_death_signal: SIGKILL, expected_parent: getpid())
                    return warden_spawn(&spec, &error)
                }
            }
            return (pid, pid > 0 ? warden_pidfd_open(pid) : -1)
        }
        guard pid > 0 else {
            close(outPipe[0])
            close(errPipe[0])
            return .failure(SpawnError(step: "exec \(request.executable)", errno: error))
        }
        return .success(SpawnedProcess(pid: pid, pidfd: pidfd >= 0 ? pidfd : nil, stdout: outPipe[0], stderr: errPipe[0]))
    }
}

/// Why a child could not be started.
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var errno: Int32
    public var description: String { "\(step): \(String(cString: strerror(errno)))" }
}

/// NUL-terminated C string arrays that live as long as this value.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
