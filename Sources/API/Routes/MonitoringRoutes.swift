import Alerting
import Foundation
import Hummingbird
import Storage
import WardenProtocol

/// Monitoring and notifications: the supervisor's and the engine's view, alerts.
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
            APIRoute(.get, "/notifications/silences", role: .viewer) { _, _ in
                try JSON.response(try await alerts.silences(activeAt: services.now()).map(SilenceItem.init))
            },
            APIRoute(.post, "/notifications/silences", role: .operator) { request, context in
                let wanted = try await request.decode(as: NewSilence.self, context: context)
                let silence = try wanted.silence(by: try context.caller.name, at: services.now())
                try await alerts.addSilence(silence, at: services.now())
                return try JSON.response(SilenceItem(silence), status: .created)
            },
            APIRoute(.delete, "/notifications/silences/{id}", role: .operator) { _, context in
                let id = try context.parameter("id")
                guard try await alerts.expireSilence(id, at: services.now()) else { throw APIError.notFound("no active silence has the id (or unique prefix) '\(id)'") }
                return try JSON.response(AuthRoutes.Done(ok: true, message: "silence \(id) ended"))
            },
            APIRoute(.post, "/notifications/{id}/read", role: .operator) { request, context in
                guard let id = Int64(try context.parameter("id")) else { throw APIError.invalid("id", "id must be an alert's number") }
                let comment = request.headers[.contentLength].map { $0 != "0" } ?? false ? try await request.decode(as: Acknowledge.self, context: context).comment : nil
                guard let acknowledged = try await alerts.acknowledge(id, by: try context.caller.name, comment: comment, at: services.now()) else {
                    throw APIError.notFound("no firing alert with id \(id)")
                }
                return try JSON.response(AlertItem(acknowledged))
            },
        ]
    }
}

/// `POST /notifications/silences`: alerts matching every matcher are not notified for a while
/// (the supervisor reads silences from the same table each time it routes).
struct NewSilence: Decodable {
    var matchers: [String]
    var durationMinutes: Int
    var comment: String

    enum CodingKeys: String, CodingKey {
        case matchers, comment
        case durationMinutes = "duration_minutes"
    }

    func silence(by: String, at time: Int64) throws -> Silence {
        guard !matchers.isEmpty else { throw APIError.invalid("matchers", "name at least one matcher, e.g. alertname=\"EngineDown\"") }
        for (index, matcher) in matchers.enumerated() {
            do { _ = try Silence.validate(matcher) } catch { throw APIError.invalid("matchers[\(index)]", "\(error)") }
        }
        guard (1...43_200).contains(durationMinutes) else { throw APIError.invalid("duration_minutes", "a silence lasts 1 minute to 30 days (43200 minutes)") }
        let reason = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 1000 else { throw APIError.invalid("comment", "say why, in at most 1000 characters") }
        return Silence(
            id: UUID().uuidString.lowercased(), matchers: matchers, startsAt: time, endsAt: time + Int64(durationMinutes) * 60_000, createdBy: by, comment: reason)
    }
}

struct SilenceItem: Encodable {
    var id: String
    var matchers: [String]
    var startsAt: Int64
    var endsAt: Int64
    var createdBy: String
    var comment: String

    init(_ silence: Silence) {
        (id, matchers, startsAt, endsAt, createdBy, comment) = (silence.id, silence.matchers, silence.startsAt, silence.endsAt, silence.createdBy, silence.comment)
    }

    enum CodingKeys: String, CodingKey {
        case id, matchers, comment
        case startsAt = "starts_at", endsAt = "ends_at", createdBy = "created_by"
    }
}
