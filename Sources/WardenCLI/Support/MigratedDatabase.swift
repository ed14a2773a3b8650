import Foundation
import Logging
import Storage
import WardenCore

extension CommonOptions {
    /// The database a host command reads and writes (alerts, users, keys), its schema brought up
    /// to date first so the command works before the first `warden supervise`.
    func migratedDatabase() async throws -> (DatabaseLocation, WardenConfiguration) {
        let configuration = try loadConfiguration()
        let directories = directories(for: configuration)
        do {
            let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
            if case .sqlite(let path) = location {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            }
            _ = try await Migrator(location: location, wardenVersion: Warden.version, logger: Logger(label: "warden.database")).migrate()
            return (location, configuration)
        } catch let error as WardenError {
            throw fail(error)
        }
    }
}
