import CSpawn
import Foundation
import Synchronization

/// The notify socket the supervisor offers one child (AF_UNIX datagram, SO_PASSCRED, mode 0600).
/// Datagrams are merged into a batch; `onPending` fires once each time the batch goes from
/// empty to non-empty, so a flooding child cannot flood the supervisor's event loop.
///
/// Instances are told apart by epochs: before spawning, the supervisor queues an epoch marker on
/// the socket itself. The queue is FIFO, so everything a dead instance sent lies before the marker
/// and everything its replacement sends lies after it, even a READY=1 sent before spawn() has
/// returned, or one sent by a short-lived `systemd-notify` that is gone when it is read.
public final class NotifySocket: Sendable {
    public let path: String
    private let fd: Int32
    private let poller: DescriptorPoller
    private let inbox = Inbox()

    /// Largest datagram read whole; systemd itself caps notify messages at a few KiB.
    static let maxDatagram = 4096
    private static let epochKey = "X_WARDEN_EPOCH="

    public init(path: String, poller: DescriptorPoller, onPending: @escaping @Sendable () -> Void) throws(SpawnError) {
        let fd = warden_notify_bind(path)
        guard fd >= 0 else { throw SpawnError(step: "bind notify socket \(path)", errno: errno) }
        self.path = path
        self.fd = fd
        self.poller = poller
        let inbox = self.inbox
        let supervisorPID = getpid()
        poller.watch(fd) { fd in
            var buffer = [CChar](repeating: 0, count: Self.maxDatagram)
            var received = NotifyBatch()
            var markerSeen: UInt64?
            // Bounded drain per wake-up; poll reports the socket again if more is queued.
            for _ in 0..<256 {
                var pid: pid_t = 0
                var uid: uid_t = 0
                var truncated: Int32 = 0
                let length = warden_notify_receive(fd, &buffer, buffer.count, &pid, &uid, &truncated)
                if length < 0 { break }
                let text = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                // Only the supervisor's own pid can carry the marker: the kernel vouches for SO_PASSCRED.
                if pid == supervisorPID, text.hasPrefix(Self.epochKey), let epoch = UInt64(text.dropFirst(Self.epochKey.count)) {
                    markerSeen = epoch
                    received = NotifyBatch()
                    continue
                }
                var message = NotifyMessage(parsing: text)
                if truncated != 0 { message.fields.append(.malformed("datagram longer than \(Self.maxDatagram) bytes")) }
                received.merge(message, senderPID: pid)
            }
            let wasEmpty = inbox.state.withLock { state in
                let wasEmpty = state.pending.isEmpty
                if let markerSeen {
                    state.pending = received
                    state.pendingEpoch = markerSeen
                } else {
                    state.pending.absorb(received)
                }
                return wasEmpty
            }
            if wasEmpty && !received.isEmpty { onPending() }
            return true
        }
    }

    /// Starts a new epoch for the instance about to be spawned: from now on `take(epoch:)` with the
    /// returned value hears only what was sent after this call.
    public func beginEpoch() -> UInt64 {
        let epoch = inbox.state.withLock { state in
            state.lastEpoch += 1
            return state.lastEpoch
        }
        if warden_notify_send(path, "\(Self.epochKey)\(epoch)") != 0 {
            // Without the marker the old instance's words cannot be told apart; drop what is here and
            // accept what comes (the previous behaviour) rather than never hearing the new instance.
            return inbox.state.withLock { state in
                state.pending = NotifyBatch()
                state.pendingEpoch = epoch
                return epoch
            }
        }
        return epoch
    }

    /// Everything received in `epoch` since the last call; anything from an earlier epoch is dropped.
    public func take(epoch: UInt64) -> NotifyBatch {
        inbox.state.withLock { state in
            defer { state.pending = NotifyBatch() }
            return state.pendingEpoch == epoch ? state.pending : NotifyBatch()
        }
    }

    /// Stops listening, closes the socket and removes its file.
    public func invalidate() {
        poller.close(fd)
        unlink(path)
    }
}

/// Datagrams merged since the loop last looked, and the epoch they belong to.
private final class Inbox: Sendable {
    struct State {
        var pending = NotifyBatch()
        var pendingEpoch: UInt64 = 0
        var lastEpoch: UInt64 = 0
    }
    let state = Mutex(State())
}

extension NotifyBatch {
    mutating func absorb(_ other: NotifyBatch) {
        guard !other.isEmpty else { return }
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
