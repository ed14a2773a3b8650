import CSpawn
import Foundation
import WardenCore

/// Checks that the directories are usable before anything starts, so a bad one is one clear line.
public enum Preflight {
    public static func prepare(_ directories: Directories) throws(WardenError) {
        try ensureWritable(directories.state, what: "state directory")
        try ensureWritable(directories.runtime, what: "runtime directory")
        switch warden_unix_socket_in_use(directories.controlSocket) {
        case 1:
            throw WardenError(
                .runtime, "another supervisor is already running with this runtime directory", location: directories.controlSocket)
        case 0:
            unlink(directories.controlSocket)  // stale, from a supervisor that was killed
        default:
            break
        }
    }

    private static func ensureWritable(_ path: String, what: String) throws(WardenError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw WardenError(.configuration, "\(what) cannot be created: \(reason(error))", location: path)
        }
        let probe = path + "/.warden-write-check-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw WardenError(.configuration, "\(what) is not writable", location: path)
        }
        unlink(probe)
    }

    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
    }
}
