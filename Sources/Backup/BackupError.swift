import Foundation
import WardenCore

/// What can go wrong with a backup, phrased for the operator; converts to a WardenError with a location.
public enum BackupError: Error, CustomStringConvertible, Sendable {
    case io(String, String, Int32)
    case corrupt(String, String)
    case wrongKey(String)
    case keyRequired(String)
    case notFound(String, String)
    case locked(String, String)
    case refused(String, String)
    case failed(String, String)

    public var description: String { warden.description }

    public var warden: WardenError {
        switch self {
        case .io(let path, let what, let code):
            let reason = code == ENOSPC ? "no space left on device" : String(cString: strerror(code))
            return WardenError(.runtime, "\(what): \(reason)", location: path)
        case .corrupt(let path, let why):
            return WardenError(.runtime, "backup is damaged: \(why)", location: path)
        case .wrongKey(let path):
            return WardenError(
                .configuration, "wrong encryption key: this archive was sealed with a different backup.encryption_key", location: path)
        case .keyRequired(let path):
            return WardenError(.configuration, "this archive is encrypted: set backup.encryption_key to the key it was made with", location: path)
        case .notFound(let what, let detail):
            return WardenError(.usage, detail, location: what)
        case .locked(let path, let detail):
            return WardenError(.unavailable, detail, location: path)
        case .refused(let what, let detail):
            return WardenError(.usage, detail, location: what)
        case .failed(let what, let detail):
            return WardenError(.runtime, detail, location: what)
        }
    }
}
