import Foundation
import Storage
import Synchronization

/// The PostgreSQL client programs (`pg_dump`, `pg_restore`), run with the password in the
/// environment rather than on the command line, and a connect timeout so a down server fails fast.
struct PostgresTools: Sendable {
    let settings: DatabaseLocation.Postgres

    /// A libpq connection string for `database` on the same server, without the password.
    func connectionString(database: String? = nil) -> String {
        var components = URLComponents()
        components.scheme = "postgresql"
        components.host = settings.host
        components.port = settings.port
        components.user = settings.username
        components.path = "/" + (database ?? settings.database)
        components.queryItems = [URLQueryItem(name: "sslmode", value: settings.sslMode.rawValue)] + (settings.rootCertificate.map { [URLQueryItem(name: "sslrootcert", value: $0)] } ?? [])
        return components.string!
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = settings.password
        env["PGCONNECT_TIMEOUT"] = "10"
        env["PGAPPNAME"] = "warden-backup"
        return env
    }

    /// The newest installed major version's binary: Debian's wrapper in /usr/bin picks a version
    /// by cluster, which a client-only host does not have.
    static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\(name)") {
            return "\(root)/\(version)/bin/\(name)"
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw BackupError.failed(name, "\(name) is not installed (Debian: apt install postgresql-client-15)")
    }

    /// pg_dump's custom format (already zlib-compressed by pg_dump), streamed to `output`.
    func dump(into output: (UnsafeRawBufferPointer) throws -> Void) throws -> ToolResult {
        try Self.run(
            Self.binary("pg_dump"), ["--format=custom", "--no-password", "--dbname=\(connectionString())"],
            environment: environment, stdout: output)
    }

    /// Restores a custom-format dump file into `database` in one transaction: it all lands or
    /// nothing does.
    func restore(file: String, database: String) throws -> ToolResult {
        try Self.run(
            Self.binary("pg_restore"),
            ["--no-password", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             "--dbname=\(connectionString(database: database))", file],
            environment: environment, stdout: { _ in })
    }

    /// Replaces everything in `database`'s public schema with the dump, in one transaction, so a
    /// failed restore leaves the previous contents. (`pg_restore --clean` cannot drop the
    /// constraints of partitions, and is not atomic.)
    func replace(file: String, script: String, database: String) throws -> ToolResult {
        let rendered = try Self.run(
            Self.binary("pg_restore"), ["--no-owner", "--no-privileges", "--file=\(script)", file],
            environment: environment, stdout: { _ in })
        guard rendered.status == 0 else { return rendered }
        return try Self.run(
            Self.binary("psql"),
            ["--no-psqlrc", "--quiet", "--no-password", "--single-transaction", "--set=ON_ERROR_STOP=1",
             "--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public", "--file=\(script)",
             "--dbname=\(connectionString(database: database))"],
            environment: environment, stdout: { _ in })
    }

    struct ToolResult {
        var status: Int32
        var stderr: String

        /// Failures that a later attempt may not have: the server is down, starting or restarting.
        var isTransient: Bool {
            let text = stderr.lowercased()
            return ["connection refused", "could not connect", "timeout expired", "the database system is starting up",
                    "the database system is shutting down", "server closed the connection", "no such file or directory"]
                .contains { text.contains($0) }
        }
    }

    /// Runs a program, streaming its stdout; stderr is kept (bounded) for the error message.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdout output: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        let errors = StderrCollector()
        errPipe.fileHandleForReading.readabilityHandler = { handle in errors.append(handle.availableData) }
        do {
            try process.run()
        } catch {
            throw BackupError.failed(executable, "cannot start: \(error.localizedDescription)")
        }
        let fd = outPipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: (any Error)?
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            do {
                try buffer.withUnsafeBytes { try output(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            } catch {
                // The sink failed (disk full): stop the tool rather than let it block on a full pipe.
                failure = error
                process.terminate()
                break
            }
        }
        process.waitUntilExit()
        errPipe.fileHandleForReading.readabilityHandler = nil
        errors.append(errPipe.fileHandleForReading.readDataToEndOfFile())
        if let failure { throw failure }
        return ToolResult(status: process.terminationStatus, stderr: errors.text)
    }
}

/// A tool's stderr, appended from Foundation's reader thread, read once the tool has exited.
private final class StderrCollector: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) { data.withLock { if $0.count < 64 << 10 { $0.append(chunk) } } }

    var text: String {
        data.withLock { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
