import Foundation
import Hummingbird
import Storage
import WardenProtocol

/// Operations: backups (list, back up now), recovery runs (list, start a runbook), deployments
/// (list). Anything that acts is a supervisor job, so the API process never holds the backup
/// repository or runs a runbook's commands itself.
enum OperationsRoutes {
    struct BackupRow: Encodable {
        var id: String
        var engine: String
        var startedAt: Int64
        var finishedAt: Int64?
        var sizeBytes: Int64?
        var sha256: String?
        var verifiedAt: Int64?
        var restoreTestedAt: Int64?
        enum CodingKeys: String, CodingKey {
            case id, engine, sha256
            case startedAt = "started_at", finishedAt = "finished_at", sizeBytes = "size_bytes", verifiedAt = "verified_at"
            case restoreTestedAt = "restore_tested_at"
        }
    }

    struct RecoveryRow: Encodable {
        var id: String
        var runbook: String
        var actor: String
        var mode: String
        var trigger: String
        var startedAt: Int64
        var finishedAt: Int64?
        var outcome: String
        enum CodingKeys: String, CodingKey {
            case id, runbook, actor, mode, trigger, outcome
            case startedAt = "started_at", finishedAt = "finished_at"
        }
    }

    struct DeploymentRow: Encodable {
        var id: String
        var startedAt: Int64
        var finishedAt: Int64
        var actor: String
        var fromRelease: String?
        var toRelease: String
        var outcome: String
        var reason: String?
        enum CodingKeys: String, CodingKey {
            case id, actor, outcome, reason
            case startedAt = "started_at", finishedAt = "finished_at", fromRelease = "from_release", toRelease = "to_release"
        }
    }

    struct MaintenanceRow: Encodable {
        var id: Int64
        var task: String
        var startedAt: Int64
        var finishedAt: Int64?
        var outcome: String?
        var detail: String?
        enum CodingKeys: String, CodingKey {
            case id, task, outcome, detail
            case startedAt = "started_at", finishedAt = "finished_at"
        }
    }

    struct RunbookRow: Encodable {
        var name: String
        var title: String
        var destructive: Bool
        /// Parameters a run must be given (`operator` defaults to the caller).
        var needs: [String]
    }

    struct StartRecovery: Decodable {
        var runbook: String
        var parameters: [String: String]?
        var dryRun: Bool?
        /// Runs the runbook's destructive steps without a person at a terminal to ask.
        var confirmDestructive: Bool?
        enum CodingKeys: String, CodingKey {
            case runbook, parameters
            case dryRun = "dry_run", confirmDestructive = "confirm_destructive"
        }
    }

    static let backups = SharedSQL("""
        SELECT id, engine, started_at{::text}, finished_at{::text}, size_bytes{::text}, sha256, verified_at{::text}, restore_tested_at{::text}
        FROM backups ORDER BY started_at DESC LIMIT 100
        """)
    static let maintenance = SharedSQL("""
        SELECT id{::text}, task, started_at{::text}, finished_at{::text}, outcome, detail FROM maintenance_runs ORDER BY started_at DESC, id DESC LIMIT 100
        """)
    static let recoveries = SharedSQL("""
        SELECT id, runbook, actor, mode, trigger, started_at{::text}, finished_at{::text}, outcome FROM recovery_runs ORDER BY started_at DESC LIMIT 100
        """)
    static let deployments = SharedSQL("""
        SELECT id, started_at{::text}, finished_at{::text}, actor, from_release, to_release, outcome, reason FROM deployments ORDER BY started_at DESC LIMIT 100
        """)

    static func routes(_ services: APIServices) -> [APIRoute] {
        let supervisor = services.supervisor
        let handle = services.accounts.handle
        let logger = services.accounts.logger
        return [
            APIRoute(.get, "/operations/backups", role: .viewer) { _, _ in
                let rows = try await handle.textRows(Self.backups, logger: logger).compactMap { row -> BackupRow? in
                    guard row.count == 8, let id = row[0], let engine = row[1], let started = row[2].flatMap(Int64.init) else { return nil }
                    return BackupRow(
                        id: id, engine: engine, startedAt: started, finishedAt: row[3].flatMap(Int64.init), sizeBytes: row[4].flatMap(Int64.init),
                        sha256: row[5], verifiedAt: row[6].flatMap(Int64.init), restoreTestedAt: row[7].flatMap(Int64.init))
                }
                return try JSON.response(rows)
            },
            APIRoute(.post, "/operations/backups", role: .admin) { _, _ in
                // A supervisor job, as the scheduled backup is: the API process never holds the repository.
                let reply = try await peerCall("supervisor") {
                    try await supervisor.call(
                        "POST", "/v1/jobs/once", body: OneOffJob(name: "backup-now", arguments: ["backup", "create", "--verify"], timeoutSeconds: 6 * 3600),
                        as: ControlReply.self)
                }
                return try JSON.response(reply, status: reply.ok ? .accepted : .conflict)
            },
            APIRoute(.get, "/operations/maintenance", role: .viewer) { _, _ in
                let rows = try await handle.textRows(Self.maintenance, logger: logger).compactMap { row -> MaintenanceRow? in
                    guard row.count == 6, let id = row[0].flatMap(Int64.init), let task = row[1], let started = row[2].flatMap(Int64.init) else { return nil }
                    return MaintenanceRow(id: id, task: task, startedAt: started, finishedAt: row[3].flatMap(Int64.init), outcome: row[4], detail: row[5])
                }
                return try JSON.response(rows)
            },
            APIRoute(.get, "/operations/runbooks", role: .viewer) { _, _ in
                try JSON.response(services.runbooks.entries.map { RunbookRow(name: $0.name, title: $0.title, destructive: $0.destructive, needs: $0.needs) })
            },
            APIRoute(.get, "/operations/recovery", role: .viewer) { _, _ in
                let rows = try await handle.textRows(Self.recoveries, logger: logger).compactMap { row -> RecoveryRow? in
                    guard row.count == 8, let id = row[0], let runbook = row[1], let actor = row[2], let mode = row[3], let trigger = row[4],
                          let started = row[5].flatMap(Int64.init), let outcome = row[7] else { return nil }
                    return RecoveryRow(
                        id: id, runbook: runbook, actor: actor, mode: mode, trigger: trigger, startedAt: started, finishedAt: row[6].flatMap(Int64.init),
                        outcome: outcome)
                }
                return try JSON.response(rows)
            },
            APIRoute(.post, "/operations/recovery", role: .admin) { request, context in
                let body = try await request.decode(as: StartRecovery.self, context: context)
                guard let directory = services.runbooks.directory else {
                    throw APIError(.conflict, "no_runbooks", "no runbooks directory was found (set WARDEN_RUNBOOKS for the API)")
                }
                guard let runbook = services.runbooks.entries.first(where: { $0.name == body.runbook }) else {
                    let names = services.runbooks.entries.map(\.name).joined(separator: ", ")
                    throw APIError.invalid("runbook", "no runbook named '\(body.runbook)'; runbooks: \(names)")
                }
                let dryRun = body.dryRun ?? false
                if runbook.destructive, !dryRun, body.confirmDestructive != true {
                    throw APIError(
                        .conflict, "confirm_destructive",
                        "\(runbook.name) has destructive steps; send \"confirm_destructive\": true to run them, or \"dry_run\": true to see them")
                }
                let caller = try context.caller
                var parameters = body.parameters ?? [:]
                // Steps that record who acted ({operator}) get the caller unless told otherwise.
                if runbook.needs.contains("operator"), parameters["operator"] == nil { parameters["operator"] = caller.name }
                if let missing = runbook.needs.first(where: { parameters[$0] == nil }) {
                    throw APIError.invalid("parameters.\(missing)", "\(runbook.name) needs the parameter \(missing)")
                }
                var arguments = ["runbook", "run", runbook.name, "--dir", directory, "--by", caller.actor, "--trigger", "api"]
                if dryRun { arguments.append("--dry-run") }
                if body.confirmDestructive == true { arguments.append("--yes") }
                for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
                    guard !key.isEmpty, !key.contains("=") else { throw APIError.invalid("parameters", "a parameter's name must be a non-empty word, found '\(key)'") }
                    arguments += ["--param", "\(key)=\(value)"]
                }
                // One run of a runbook at a time: the supervisor refuses a second while the first runs.
                let reply = try await peerCall("supervisor") {
                    try await supervisor.call(
                        "POST", "/v1/jobs/once", body: OneOffJob(name: "runbook-\(runbook.name)", arguments: arguments, timeoutSeconds: 3600), as: ControlReply.self)
                }
                return try JSON.response(reply, status: reply.ok ? .accepted : .conflict)
            },
            APIRoute(.get, "/operations/deployments", role: .viewer) { _, _ in
                let rows = try await handle.textRows(Self.deployments, logger: logger).compactMap { row -> DeploymentRow? in
                    guard row.count == 8, let id = row[0], let started = row[1].flatMap(Int64.init), let finished = row[2].flatMap(Int64.init),
                          let actor = row[3], let to = row[5], let outcome = row[6] else { return nil }
                    return DeploymentRow(id: id, startedAt: started, finishedAt: finished, actor: actor, fromRelease: row[4], toRelease: to, outcome: outcome, reason: row[7])
                }
                return try JSON.response(rows)
            },
            APIRoute(.post, "/operations/deployments", role: .admin) { _, _ in
                // A deploy restarts this service through systemd, and a job of the service dies with
                // it; it has to run outside the unit, from the host.
                throw APIError.notBuilt("deploying from the API (a deploy restarts the service the API runs in; run `warden deploy` on the host)")
            },
        ]
    }
}
