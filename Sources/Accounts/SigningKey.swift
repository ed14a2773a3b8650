import Foundation
import WardenCore

/// The access tokens' HMAC key: `api.signing_key` when configured, else a key generated once under
/// the state directory (0600), so `make run` needs no setup and tokens survive a restart.
public enum SigningKey {
    public static func load(_ settings: APISettings, stateDirectory: String) throws -> Data {
        if let configured = settings.signingKey { return Data(configured.value.utf8) }
        let path = (stateDirectory as NSString).appendingPathComponent("api-signing.key")
        if let existing = FileManager.default.contents(atPath: path) {
            guard existing.count >= 32 else {
                throw WardenError(.configuration, "the API signing key is shorter than 32 bytes; delete it to have a new one made (every session ends)", location: path)
            }
            return existing
        }
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let key = Data(Secrets.random(bytes: 48).utf8)
        // Written under a temporary name and renamed, so a half-written key is never read.
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: key, attributes: [.posixPermissions: 0o600]) else {
            throw WardenError(.runtime, "cannot write the API signing key", location: temporary)
        }
        if rename(temporary, path) != 0 { throw WardenError(.runtime, "cannot install the API signing key: \(String(cString: strerror(errno)))", location: path) }
        return key
    }
}
