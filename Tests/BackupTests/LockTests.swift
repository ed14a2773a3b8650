import Foundation
import Testing
@testable import Backup

@Suite("Backup lock")
struct LockTests {
    let path = NSTemporaryDirectory() + "warden-lock-\(UUID().uuidString)"

    @Test("a live holder's lock is refused, naming its pid; released, it can be taken")
    func live() throws {
        let lock = try BackupLock.acquire(path: path, operation: "create")
        do {
            _ = try BackupLock.acquire(path: path, operation: "verify")
            Issue.record("a second lock was granted")
        } catch let error as BackupError {
            #expect("\(error)".contains("pid \(getpid())"))
        }
        lock.release()
        try BackupLock.acquire(path: path, operation: "verify").release()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a lock whose pid is gone, or now belongs to another process, is stale and taken over")
    func stale() throws {
        for holder in [
            BackupLock.Holder(pid: Int32.max - 1, startTicks: 1, operation: "create", since: "then"),
            // Our own pid with a different start time: a reused pid, not the holder.
            BackupLock.Holder(pid: getpid(), startTicks: 1, operation: "create", since: "then"),
        ] {
            try JSONEncoder().encode(holder).write(to: URL(fileURLWithPath: path))
            let lock = try BackupLock.acquire(path: path, operation: "create")
            #expect(lock.takenOverFrom?.pid == holder.pid)
            lock.release()
        }
    }

    @Test("an unreadable lock is never guessed at")
    func unreadable() throws {
        try Data("{".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(throws: BackupError.self) { try BackupLock.acquire(path: path, operation: "create") }
    }
}
