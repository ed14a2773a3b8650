import Foundation
import Synchronization
import WardenCore

/// A log file that rotates by size and by age, keeping `keep` old files (`warden.log.1` newest).
/// For hosts without journald; under systemd the journal does this job.
public final class RotatingFile: Sendable {
    public struct Policy: Sendable, Equatable {
        public var maxBytes: UInt64
        public var maxAge: Duration
        public var keep: Int

        public init(maxBytes: UInt64, maxAge: Duration, keep: Int) {
            self.maxBytes = maxBytes
            self.maxAge = maxAge
            self.keep = keep
        }
    }

    private struct State {
        var fd: Int32
        var size: UInt64
        var openedAt: Date
    }

    public let path: String
    private let policy: Policy
    private let now: @Sendable () -> Date
    private let state: Mutex<State>

    /// `now` is injected so tests can age a file without waiting.
    public init(path: String, policy: Policy, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.path = path
        self.policy = policy
        self.now = now
        let fd = try Self.open(path)
        var info = stat()
        fstat(fd, &info)
        let created = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
        state = Mutex(State(fd: fd, size: UInt64(info.st_size), openedAt: info.st_size == 0 ? now() : created))
    }

    deinit { state.withLock { _ = close($0.fd) } }

    /// Appends one line, rotating first when it would pass the size limit or the file is too old.
    public func write(_ line: String) {
        let bytes = Array(line.utf8)
        state.withLock { state in
            let age = now().timeIntervalSince(state.openedAt)
            if state.size > 0,
               state.size + UInt64(bytes.count) > policy.maxBytes || age >= policy.maxAge.seconds {
                rotate(&state)
            }
            let written = bytes.withUnsafeBufferPointer { Foundation.write(state.fd, $0.baseAddress, $0.count) }
            if written > 0 { state.size += UInt64(written) }
        }
    }

    private func rotate(_ state: inout State) {
        close(state.fd)
        let manager = FileManager.default
        try? manager.removeItem(atPath: "\(path).\(policy.keep)")
        if policy.keep > 1 {
            for index in stride(from: policy.keep - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
        }
        if policy.keep > 0 { rename(path, "\(path).1") } else { unlink(path) }
        state.fd = (try? Self.open(path)) ?? -1
        state.size = 0
        state.openedAt = now()
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return fd
    }
}

