import Foundation
import Logging
import Storage

/// `deployments`: every deploy and rollback with its checks, and the audit log, on either engine.
public struct DeploymentLog: Sendable {
    public var handle: DatabaseHandle
    public var logger: Logger

    public init(handle: DatabaseHandle, logger: Logger) {
        self.handle = handle
        self.logger = logger
    }

    static let insert = SharedSQL("""
        INSERT INTO deployments (id, started_at, finished_at, actor, from_release, to_release, outcome, reason, checks)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?{::jsonb})
        """)
    static let audit = SharedSQL("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
    static let history = SharedSQL("""
        SELECT id, started_at{::text}, finished_at{::text}, actor, from_release, to_release, outcome, reason, checks{::text}
        FROM deployments ORDER BY started_at DESC, id LIMIT ?
        """)

    public func record(_ deployment: DeploymentRecord) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let checks = String(decoding: try encoder.encode(deployment.checks), as: UTF8.self)
        try await handle.execute([
            BoundStatement(Self.insert, [
                .text(deployment.id), .integer(deployment.startedAt), .integer(deployment.finishedAt), .text(deployment.actor), .text(deployment.from),
                .text(deployment.to), .text(deployment.outcome.rawValue), .text(deployment.reason), .text(checks),
            ]),
            BoundStatement(Self.audit, [
                .integer(deployment.finishedAt), .text(deployment.actor), .text("deploy.\(deployment.outcome.rawValue)"), .text("release:\(deployment.to)"),
                .text("\(deployment.from ?? "none") → \(deployment.to)\(deployment.reason.map { ": \($0)" } ?? "")"),
            ]),
        ], logger: logger)
        Logger(label: "warden.audit").notice("deploy.\(deployment.outcome.rawValue)", metadata: [
            "actor": "\(deployment.actor)", "from": "\(deployment.from ?? "none")", "to": "\(deployment.to)", "reason": "\(deployment.reason ?? "")",
        ])
    }

    /// The newest `limit` deployments, newest first.
    public func history(limit: Int = 50) async throws -> [DeploymentRecord] {
        try await handle.textRows(Self.history, [.integer(Int64(limit))], logger: logger).compactMap { row in
            guard row.count == 9, let id = row[0], let started = row[1].flatMap(Int64.init), let finished = row[2].flatMap(Int64.init),
                  let actor = row[3], let to = row[5], let outcome = row[6].flatMap(DeploymentRecord.Outcome.init(rawValue:))
            else { return nil }
            let checks = row[8].flatMap { try? JSONDecoder().decode([DeploymentRecord.Check].self, from: Data($0.utf8)) } ?? []
            return DeploymentRecord(id: id, startedAt: started, finishedAt: finished, actor: actor, from: row[4], to: to, outcome: outcome, reason: row[7], checks: checks)
        }
    }
}
