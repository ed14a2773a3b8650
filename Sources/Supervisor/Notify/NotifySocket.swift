import CSpawn
import Foundation
import Synchronization

/// The notify socket the supervisor offers one child (AF_UNIX datagram, SO_PASSCRED, mode 0600).
/// Datagrams are merged into one batch per sender process group; `onPending` fires once each time
/// the inbox goes from empty to non-empty, so a flooding child cannot flood the supervisor's event loop.
/// Keying by group keeps what a dead instance sent apart from its replacement's first words: a fast
/// child can say READY=1 before the supervisor has even learned its pid.
public final class NotifySocket: Sendable {
    public let path: String
    private let fd: Int32
    private let poller: DescriptorPoller
    private let inbox = Inbox()

    /// Largest datagram read whole; systemd itself caps notify messages at a few KiB.
    static let maxDatagram = 4096

    public init(path: String, poller: DescriptorPoller, onPending: @escaping @Sendable () -> Void) throws(SpawnError) {
        let fd = warden_notify_bind(path)
        guard fd >= 0 else { throw SpawnError(step: "bind notify socket \(path)", errno: errno) }
        self.path = path
        self.fd = fd
        self.poller = poller
        let inbox = self.inbox
        poller.watch(fd) { fd in
            var buffer = [CChar](repeating: 0, count: Self.maxDatagram)
            var received: [pid_t: NotifyBatch] = [:]
            // Bounded drain per wake-up; poll reports the socket again if more is queued.
            for _ in 0..<256 {
                var pid: pid_t = 0
                var uid: uid_t = 0
                var truncated: Int32 = 0
                let length = warden_notify_receive(fd, &buffer, buffer.count, &pid, &uid, &truncated)
                if length < 0 { break }
                let text = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                var message = NotifyMessage(parsing: text)
                if truncated != 0 { message.fields.append(.malformed("datagram longer than \(Self.maxDatagram) bytes")) }
                received[Self.group(of: pid), default: NotifyBatch()].merge(message, senderPID: pid)
            }
            guard !received.isEmpty else { return true }
            let wasEmpty = inbox.batches.withLock { pending in
                let wasEmpty = pending.isEmpty
                for (group, batch) in received { pending[group, default: NotifyBatch()].absorb(batch) }
                return wasEmpty
            }
            if wasEmpty { onPending() }
            return true
        }
    }

    /// Everything the process group `group` (a child is spawned as its group's leader) sent since the
    /// last call; what other senders (an instance that has since died) sent is dropped.
    public func take(group: pid_t) -> NotifyBatch {
        inbox.batches.withLock { pending in
            defer { pending = [:] }
            return pending[group] ?? NotifyBatch()
        }
    }

    /// A sender's process group; a sender already gone is keyed by its own pid (the leader's pid is its group).
    private static func group(of pid: pid_t) -> pid_t {
        let group = getpgid(pid)
        return group > 0 ? group : pid
    }

    /// Stops listening, closes the socket and removes its file.
    public func invalidate() {
        poller.close(fd)
        unlink(path)
    }
}

/// Datagrams merged since the loop last looked, per sender process group.
private final class Inbox: Sendable {
    let batches = Mutex([pid_t: NotifyBatch]())
}

extension NotifyBatch {
    mutating func absorb(_ other: NotifyBatch) {
        ready = ready || other.ready
        stopping = stopping || other.stopping
        reloading = reloading || other.reloading
        status = other.status ?? status
        watchdogPings += other.watchdogPings
        watchdogTrigger = watchdogTrigger || other.watchdogTrigger
        if let extra = other.extendTimeout { extendTimeout = max(extendTimeout ?? .zero, extra) }
        ignored = Array((ignored + other.ignored).prefix(Self.ignoredLimit))
        datagrams += other.datagrams
        lastSenderPID = other.lastSenderPID
    }
}
