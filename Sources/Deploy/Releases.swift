import Foundation
import WardenCore

/// The install layout `make install` lays out and `warden deploy` swaps: every release in
/// `PREFIX/lib/warden/releases/NAME/warden`, and `PREFIX/bin/warden` a symlink to the live one,
/// replaced in one rename so it is never missing or half-written.
public struct Releases: Sendable {
    public var prefix: String

    public init(prefix: String) { self.prefix = prefix }

    public var directory: String { prefix + "/lib/warden/releases" }
    public var link: String { prefix + "/bin/warden" }

    /// The release the link points at now (its directory's name), if any.
    public func current() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
        return ((target as NSString).deletingLastPathComponent as NSString).lastPathComponent
    }

    public func binary(_ release: String) -> String { "\(directory)/\(release)/warden" }

    public func exists(_ release: String) -> Bool { FileManager.default.isExecutableFile(atPath: binary(release)) }

    /// Copies `binary` in as the release `name` (kept if it is already there: same version and checksum).
    public func add(_ binary: String, as name: String) throws(WardenError) {
        let target = self.binary(name)
        guard !exists(name) else { return }
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(name)", withIntermediateDirectories: true)
            let staged = target + ".partial"
            try? FileManager.default.removeItem(atPath: staged)
            try FileManager.default.copyItem(atPath: binary, toPath: staged)
            guard chmod(staged, 0o755) == 0, rename(staged, target) == 0 else { throw POSIXError(.EIO) }
        } catch {
            throw WardenError(.runtime, "cannot add the release: \(error.localizedDescription)", location: target)
        }
    }

    /// Points the link at `release` in one rename.
    public func activate(_ release: String) throws(WardenError) {
        guard exists(release) else { throw WardenError(.runtime, "no such release", location: binary(release)) }
        let staged = link + ".new"
        unlink(staged)
        guard symlink(binary(release), staged) == 0, rename(staged, link) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(staged)
            throw WardenError(.runtime, "cannot point \(link) at \(release): \(reason)", location: link)
        }
    }
}
