import CSpawn
import Foundation
import Synchronization

/// Signals that the supervisor consumes in one place instead of in handlers.
public enum SupervisorSignal: Sendable, Equatable {
    case terminate(Int32)
    case reload
}

/// An event from the signal thread: a reaped process or a signal to act on.
public enum ProcessEvent: Sendable, Equatable {
    case reaped(pid: Int32, status: ProcessStatus)
    case signal(SupervisorSignal)
}

/// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP, and reads them from a signalfd on a dedicated thread.
/// On SIGCHLD it reaps every exited process (grandchildren too, as a subreaper) with waitpid(-1).
public enum ProcessSignals {
    static let handled: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP]

    /// Call first thing in `main`, before any thread exists, so every thread inherits the mask.
    /// Also fills closed stdio descriptors, so a child's pipe can never land on fd 0–2.
    public static func blockBeforeThreadsStart() {
        warden_ensure_standard_fds()
        handled.withUnsafeBufferPointer { _ = warden_block_signals($0.baseAddress, Int32($0.count)) }
    }

    /// Makes this process the reaper of its orphaned descendants.
    public static func becomeSubreaper() throws {
        let error = warden_become_subreaper()
        if error != 0 { throw SpawnError(step: "prctl(PR_SET_CHILD_SUBREAPER)", errno: error) }
    }

    /// Starts the signal thread; events arrive on `sink` until the process exits.
    public static func watch(_ sink: @escaping @Sendable (ProcessEvent) -> Void) throws {
        let fd = handled.withUnsafeBufferPointer { warden_signalfd($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw SpawnError(step: "signalfd", errno: errno) }
        let thread = Thread {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while true {
                guard poll(&poller, 1, -1) >= 0 || errno == EINTR else { continue }
                var sender: pid_t = 0
                while case let signal = warden_signalfd_read(fd, &sender), signal > 0 {
                    switch signal {
                    case SIGCHLD: reapAll(sink)
                    case SIGHUP: sink(.signal(.reload))
                    default: sink(.signal(.terminate(signal)))
                    }
                }
                // A SIGCHLD can be merged with one already pending; reap again to be sure.
                reapAll(sink)
            }
        }
        thread.name = "warden-signals"
        thread.start()
    }

    /// Held while a child is forked and its pidfd opened, and while reaping: a child that dies at
    /// once cannot be reaped (and its pid reused) before its pidfd exists.
    static let reapLock = Mutex(())

    private static func reapAll(_ sink: @Sendable (ProcessEvent) -> Void) {
        let reaped: [(Int32, Int32)] = reapLock.withLock { _ in
            var reaped: [(Int32, Int32)] = []
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { return reaped }
                reaped.append((pid, status))
            }
        }
        for (pid, status) in reaped { sink(.reaped(pid: pid, status: ProcessStatus(waitStatus: status))) }
    }
}
