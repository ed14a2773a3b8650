import Foundation
import Testing

@testable import Supervisor

/// The real socket: datagrams sent here carry this process's credentials (SO_PASSCRED).
@Suite struct NotifySocketTests {
    @Test func theCurrentInstanceHearsWhatWasSentAfterItsEpochBegan() async throws {
        let (socket, pending) = try Self.socket()
        defer { socket.invalidate() }
        let epoch = socket.beginEpoch()
        try Self.send("READY=1\nSTATUS=up", to: socket.path)
        await pending()
        let batch = socket.take(epoch: epoch)
        #expect(batch.ready)
        #expect(batch.status == "up")
        #expect(batch.lastSenderPID == getpid())
    }

    /// A replacement spawned right after a crash must not inherit the dead instance's READY=1, even
    /// when neither has been read off the socket yet; what the replacement says is kept.
    @Test func wordsFromBeforeTheEpochAreDropped() async throws {
        let (socket, pending) = try Self.socket()
        defer { socket.invalidate() }
        let first = socket.beginEpoch()
        try Self.send("READY=1\nSTATUS=old", to: socket.path)
        let second = socket.beginEpoch()
        try Self.send("STATUS=new", to: socket.path)
        // The poller may wake between the datagrams: gather until the second epoch has spoken.
        var batch = NotifyBatch()
        while batch.isEmpty {
            await pending()
            batch.absorb(socket.take(epoch: second))
        }
        #expect(!batch.ready)
        #expect(batch.status == "new")
        #expect(batch.datagrams == 1)
        #expect(socket.take(epoch: first).isEmpty)
    }

    @Test func aStaleEpochHearsNothing() async throws {
        let (socket, pending) = try Self.socket()
        defer { socket.invalidate() }
        let first = socket.beginEpoch()
        _ = socket.beginEpoch()
        try Self.send("READY=1", to: socket.path)
        await pending()
        #expect(socket.take(epoch: first).isEmpty)
    }

    private static func socket() throws -> (NotifySocket, () async -> Void) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let socket = try NotifySocket(path: path, poller: DescriptorPoller()) { continuation.yield() }
        return (socket, {
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()
        })
    }

    private static func send(_ text: String, to path: String) throws {
        let fd = Foundation.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
        }
        let sent = text.withCString { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes, strlen(bytes), 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        #expect(sent == text.utf8.count)
    }
}
