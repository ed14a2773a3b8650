import Alerting
import Foundation
import Hummingbird
import Storage
import WardenProtocol

/// Monitoring, notifications and operations: the supervisor's view, alerts, backups.
enum MonitoringRoutes {
    struct System: Encodable {
        var supervisor: SupervisorStatus?
        var supervisorError: String?
        var database: String
        enum CodingKeys: String, CodingKey {
            case supervisor, database
            case supervisorError = "supervisor_error"
        }
    }

    struct TradingView: Encodable {
        var engine: TradingStatus?
        var engineError: String?
        var openOrders: Int
        var positions: Int
        enum CodingKeys: String, CodingKey {
            case engine, positions
            case engineError = "engine_error", openOrders = "open_orders"
        }
    }

    struct Acknowledge: Decodable {
        var comment: String?
    }

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

    struct AlertItem: Encodable {
        var id: Int64
        var fingerprint: String
        var name: String
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var value: Double?
        var startsAt: Int64
        var firedAt: Int64?
        var endsAt: Int64?
        var ackedBy: String?
        var ackedAt: Int64?
        var ackComment: String?
        enum CodingKeys: String, CodingKey {
            case id, fingerprint, name, labels, annotations, state, value
            case startsAt = "starts_at", firedAt = "fired_at", endsAt = "ends_at", ackedBy = "acked_by", ackedAt = "acked_at", ackComment = "ack_comment"
        }
        init(_ alert: StoredAlert) {
            (id, fingerprint, name, labels, annotations, state, value) = (alert.id, alert.fingerprint, alert.name, alert.labels, alert.annotations, alert.state, alert.value)
            (startsAt, firedAt, endsAt, ackedBy, ackedAt, ackComment) = (alert.startsAt, alert.firedAt, alert.endsAt, alert.ackedBy, alert.ackedAt, alert.ackComment)
        }
    }

    static let backups = SharedSQL("""
        SELECT id, engine, started_at{::text}, finished_at{::text}, size_bytes{::text}, sha256, verified_at{::text}, restore_tested_at{::text}
        FROM backups ORDER BY started_at DESC LIMIT 100
        """)

    static func routes(_ services: APIServices, alerts: any AlertStore) -> [APIRoute] {
        let supervisor = services.supervisor
        let handle = services.accounts.handle
        return [
            APIRoute(.get, "/monitoring/system", role: .viewer) { _, _ in
                var system = System(database: handle.location.description)
                do {
                    system.supervisor = try await supervisor.call("GET", "/v1/status", as: SupervisorStatus.self)
                } catch {
                    system.supervisorError = "\(error)"
                }
                return try JSON.response(system)
            },
            APIRoute(.get, "/monitoring/trading", role: .viewer) { _, _ in
                var view = TradingView(openOrders: try await services.store.openOrders().count, positions: try await services.store.positions().count)
                do {
                    view.engine = try await services.engine.status().status
                } catch {
                    view.engineError = "\(error)"
                }
                return try JSON.response(view)
            },
            APIRoute(.get, "/notifications", role: .viewer) { request, _ in
                let all = ["firing", "pending", "resolved"]
                let state: String? = try request.query("state")
                if let state, !all.contains(state) { throw APIError.invalid("state", "state must be one of \(all.joined(separator: ", ")), found '\(state)'") }
                let states = state.map { [$0] } ?? all
                return try JSON.response(try await alerts.alerts(states: states).map(AlertItem.init))
            },
            APIRoute(.post, "/notifications/{id}/read", role: .operator) { request, context in
                guard let id = Int64(try context.parameter("id")) else { throw APIError.invalid("id", "id must be an alert's number") }
                let comment = request.headers[.contentLength].map { $0 != "0" } ?? false ? try await request.decode(as: Acknowledge.self, context: context).comment : nil
                guard let acknowledged = try await alerts.acknowledge(id, by: try context.caller.name, comment: comment, at: services.now()) else {
                    throw APIError.notFound("no firing alert with id \(id)")
                }
                return try JSON.response(AlertItem(acknowledged))
            },
            APIRoute(.get, "/operations/backups", role: .viewer) { _, _ in
                let rows = try await handle.textRows(Self.backups, logger: services.accounts.logger).compactMap { row -> BackupRow? in
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
            APIRoute(.post, "/operations/recovery", role: .admin) { _, _ in throw APIError.notBuilt("starting a recovery from the API (use `warden runbook run`)") },
            APIRoute(.post, "/operations/deployments", role: .admin) { _, _ in throw APIError.notBuilt("deploying from the API (use `warden deploy`)") },
        ]
    }
}
