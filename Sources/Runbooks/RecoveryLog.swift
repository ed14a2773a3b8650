import Foundation
import Logging
import Storage
import WardenCore

/// Writes runbook runs to `recovery_runs` and the audit log (a row for the run and one per step),
/// in one transaction, on either engine. When the database cannot take it (the very problem a
/// runbook may be fixing), the record goes to a file under the state directory and the caller
/// says where, so nothing about what was done is lost.
public struct RecoveryLog: Sendable {
    public var handle: DatabaseHandle
    public var fallbackDirectory: String
    public var logger: Logger

    public init(handle: DatabaseHandle, fallbackDirectory: String, logger: Logger) {
        self.handle = handle
        self.fallbackDirectory = fallbackDirectory
        self.logger = logger
    }

    static let insertRun = SharedSQL("""
        INSERT INTO recovery_runs (id, runbook, actor, mode, trigger, parameters, started_at, finished_at, outcome, steps)
        VALUES (?, ?, ?, ?, ?, ?{::jsonb}, ?, ?, ?, ?{::jsonb})
        """)
    static let audit = SharedSQL("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")

    /// Where the record went: nil for the database, or the file it was written to instead.
    @discardableResult
    public func record(_ run: RunRecord) async -> String? {
        let target = "runbook:\(run.runbook)"
        var statements = [BoundStatement(Self.insertRun, [
            .text(run.id), .text(run.runbook), .text(run.actor), .text(run.mode.rawValue), .text(run.trigger), .text(Self.json(run.parameters)),
            .integer(run.startedAt), .integer(run.finishedAt), .text(run.outcome.rawValue), .text(Self.json(run.steps)),
        ])]
        statements.append(BoundStatement(Self.audit, [
            .integer(run.startedAt), .text(run.actor), .text("runbook.run"), .text(target),
            .text("\(run.mode.rawValue) run \(run.id) (\(run.trigger)): \(run.outcome.rawValue)"),
        ]))
        for step in run.steps {
            statements.append(BoundStatement(Self.audit, [
                .integer(step.startedAt), .text(run.actor), .text("runbook.step"), .text(target), .text("\(step.name): \(step.result.rawValue) — \(step.command)"),
            ]))
        }
        do {
            try await handle.execute(statements, logger: logger)
            Logger(label: "warden.audit").notice("runbook.run", metadata: [
                "runbook": "\(run.runbook)", "actor": "\(run.actor)", "mode": "\(run.mode.rawValue)", "trigger": "\(run.trigger)",
                "outcome": "\(run.outcome.rawValue)", "run": "\(run.id)", "steps": "\(run.steps.map { "\($0.name)=\($0.result.rawValue)" }.joined(separator: ", "))",
            ])
            return nil
        } catch {
            logger.error("runbook run not recorded in the database; kept in a file", metadata: ["run": "\(run.id)", "error": "\(error)"])
            return Self.keep(run, in: fallbackDirectory, logger: logger)
        }
    }

    /// Writes the run to `directory` (when the database cannot take it): where it went.
    public static func keep(_ run: RunRecord, in directory: String, logger: Logger) -> String {
        let path = directory + "/recovery-run-\(run.id).json"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(json(run).utf8)) else {
            logger.critical("runbook run recorded nowhere", metadata: ["run": "\(run.id)", "path": "\(path)"])
            return "nowhere (\(path) could not be written either)"
        }
        return path
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
