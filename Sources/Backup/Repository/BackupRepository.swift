import Foundation
import WardenCore

/// The directory holding archives (`<id>.wbk`) and manifests (`<id>.json`); work in progress
/// lives under `.tmp/` and never carries a final name.
public struct BackupRepository: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `backup.repository`, else `<state-dir>/backups`.
    public init(settings: BackupSettings, stateDirectory: String) {
        directory = settings.repository ?? stateDirectory + "/backups"
    }

    var temporaryDirectory: String { directory + "/.tmp" }
    var lockPath: String { directory + "/.lock" }
    func archivePath(_ id: String) -> String { "\(directory)/\(id).wbk" }
    func manifestPath(_ id: String) -> String { "\(directory)/\(id).json" }

    func prepare() throws {
        for path in [directory, temporaryDirectory] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw BackupError.failed(path, "cannot create the backup directory: \(error.localizedDescription)")
            }
        }
    }

    /// Every readable manifest, oldest first; unreadable ones are returned as problems.
    public func manifests() -> (manifests: [BackupManifest], problems: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return ([], []) }
        var manifests: [BackupManifest] = []
        var problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = directory + "/" + name
            do {
                manifests.append(try BackupManifest.decoder.decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                problems.append("\(path): unreadable manifest (\(error.localizedDescription))")
            }
        }
        return (manifests.sorted { $0.startedAt < $1.startedAt }, problems)
    }

    /// A backup by its id or a unique prefix of it, as restic accepts.
    public func manifest(_ id: String) throws -> BackupManifest {
        let all = manifests().manifests
        if let exact = all.first(where: { $0.id == id }) { return exact }
        let matches = all.filter { $0.id.hasPrefix(id) }
        guard matches.count == 1 else {
            throw BackupError.notFound(
                directory,
                matches.isEmpty
                    ? "no backup '\(id)' (see `warden backup list`)"
                    : "'\(id)' matches \(matches.count) backups: \(matches.map(\.id).joined(separator: ", "))")
        }
        return matches[0]
    }

    func save(_ manifest: BackupManifest) throws {
        let data: Data
        do {
            data = try BackupManifest.encoder.encode(manifest)
        } catch {
            throw BackupError.failed(manifestPath(manifest.id), "cannot encode the manifest: \(error)")
        }
        try writeAtomically(data + Data("\n".utf8), to: manifestPath(manifest.id))
    }

    /// Removes the archive first, then the manifest: a crash in between leaves a manifest whose
    /// archive is missing, which `verify` reports, never an archive nobody lists.
    func delete(_ id: String) throws {
        for path in [archivePath(id), manifestPath(id)] where unlink(path) != 0 && errno != ENOENT {
            throw BackupError.io(path, "cannot delete", errno)
        }
        syncDirectory(of: manifestPath(id))
    }

    /// Leftovers of interrupted runs; only called while holding the lock.
    func removeLeftovers() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)) ?? []
        for name in names { unlink(temporaryDirectory + "/" + name) }
        return names
    }

    /// A new id: UTC time (sortable) and 4 random hex digits.
    static func newID(at date: Date) -> String {
        let time = date.formatted(Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)Z",
            timeZone: .gmt, calendar: Calendar(identifier: .gregorian)))
        return time + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }
}
