import Foundation

/// One backup operation at a time per repository: a lock file naming its holder's pid and that
/// process's start time. A lock whose holder is gone (or whose pid now belongs to another
/// process) is stale and taken over; a live holder's lock is never removed.
final class BackupLock {
    struct Holder: Codable {
        var pid: Int32
        /// Clock ticks since boot at which the holder started (/proc/PID/stat field 22), so a reused pid is not mistaken for it.
        var startTicks: UInt64?
        var operation: String
        var since: String
    }

    let path: String
    private(set) var takenOverFrom: Holder?

    private init(path: String) { self.path = path }

    static func acquire(path: String, operation: String) throws -> BackupLock {
        let lock = BackupLock(path: path)
        let me = Holder(
            pid: getpid(), startTicks: processStartTicks(getpid()), operation: operation,
            since: BackupManifest.timestamp(Date()))
        let data = (try? JSONEncoder().encode(me)) ?? Data()
        for _ in 0..<2 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                fsync(fd)
                close(fd)
                return lock
            }
            guard errno == EEXIST else { throw BackupError.io(path, "cannot create the lock", errno) }
            let existing = (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap { try? JSONDecoder().decode(Holder.self, from: $0) }
            guard let holder = existing else {
                // Written by a holder that died mid-write, or by hand: never guessed at.
                throw BackupError.locked(path, "the backup lock exists but is unreadable; if no backup is running, remove it by hand")
            }
            if isAlive(holder) {
                throw BackupError.locked(
                    path, "another backup operation is running (\(holder.operation), pid \(holder.pid), since \(holder.since))")
            }
            lock.takenOverFrom = holder
            unlink(path)
        }
        throw BackupError.locked(path, "the backup lock is contended; try again")
    }

    func release() {
        if let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
           let holder = try? JSONDecoder().decode(Holder.self, from: data), holder.pid == getpid() {
            unlink(path)
        }
    }

    private static func isAlive(_ holder: Holder) -> Bool {
        guard kill(holder.pid, 0) == 0 || errno == EPERM else { return false }
        guard let recorded = holder.startTicks, let current = processStartTicks(holder.pid) else { return true }
        return recorded == current
    }

    static func processStartTicks(_ pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces); starttime is field 22 overall.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
