import Foundation
import Testing

@testable import Supervisor

/// The real socket: datagrams sent here carry this process's credentials (SO_PASSCRED).
@Suite struct NotifySocketTests {
    @Test func theRunningInstanceHearsWhatItsGroupSent() async throws {
        let (socket, pending) = try Self.socket()
        defer { socket.invalidate() }
        try Self.send("READY=1\nSTATUS=up", to: socket.path)
        await pending()
        let batch = socket.take(group: getpgrp())
        #expect(batch.ready)
        #expect(batch.status == "up")
        #expect(batch.lastSenderPID == getpid())
    }

    /// A replacement spawned right after a crash must not inherit the dead instance's READY=1,
    /// and the dead instance's words must not linger for the next look either.
    @Test func anotherGroupsWordsAreDropped() async throws {
        let (socket, pending) = try Self.socket()
        defer { socket.invalidate() }
        try Self.send("READY=1", to: socket.path)
        await pending()
        let otherGroup: pid_t = getpgrp() == 1 ? 2 : 1
        #expect(socket.take(group: otherGroup).isEmpty)
        #expect(socket.take(group: getpgrp()).isEmpty)
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
