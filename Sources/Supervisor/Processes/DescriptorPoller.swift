import CSpawn
import Foundation
import Synchronization

/// Watches file descriptors (notify sockets, children's output pipes) with poll(2) on one
/// dedicated thread. It replaces DispatchSource read sources, whose Linux event loop crashed
/// under fd reuse when sources were cancelled and pipes re-created quickly (seen on reloads).
/// A descriptor is closed only here, after it has left the poll set, so its number cannot be
/// reused while it is still watched.
public final class DescriptorPoller: Sendable {
    /// Called on the poller thread when `fd` is readable (or hung up); returns false once the
    /// descriptor is finished with, and the poller then closes it.
    public typealias Handler = @Sendable (_ fd: Int32) -> Bool

    private struct State {
        var handlers: [Int32: Handler] = [:]
        var added: [(Int32, Handler)] = []
        var removed: [Int32] = []
    }

    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        _ = warden_pipe_cloexec(&fds)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        let thread = Thread { [self] in self.loop() }
        thread.name = "warden-poller"
        thread.start()
    }

    /// Starts watching `fd`; the poller owns it from now on and closes it when done.
    public func watch(_ fd: Int32, handler: @escaping Handler) {
        state.withLock { $0.added.append((fd, handler)) }
        wake()
    }

    /// Stops watching `fd` and closes it.
    public func close(_ fd: Int32) {
        state.withLock { $0.removed.append(fd) }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func loop() -> Never {
        var handlers: [Int32: Handler] = [:]
        while true {
            let (added, removed) = state.withLock { state in
                defer { state.added = []; state.removed = [] }
                return (state.added, state.removed)
            }
            for (fd, handler) in added { handlers[fd] = handler }
            for fd in removed where handlers.removeValue(forKey: fd) != nil { Glibc.close(fd) }

            var polled = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            polled += handlers.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), -1) > 0 else { continue }
            if polled[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 256)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            for entry in polled.dropFirst() where entry.revents != 0 {
                guard let handler = handlers[entry.fd] else { continue }
                if !handler(entry.fd) {
                    handlers[entry.fd] = nil
                    Glibc.close(entry.fd)
                }
            }
        }
    }
}
