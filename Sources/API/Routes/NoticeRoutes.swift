import Accounts
import Foundation
import Hummingbird
import Storage

/// Operator notices: what the engine and the API did that a person should know about without it
/// being an alert (a halt, trading failed closed and recovered, an order at the venue nobody
/// placed, an address blocked, a pause). They are the audit log's rows of those actions; reading
/// one is itself an audit row (`notice.read`, who and when), so nothing is ever rewritten.
enum NoticeRoutes {
    static let actions = [
        "trading.halt", "trading.fail_closed", "trading.fail_closed.resolve", "trading.reconciled", "trading.pause", "trading.resume",
        "order.external", "auth.block",
    ]
    static var actionList: String { actions.map { "'\($0)'" }.joined(separator: ", ") }

    struct Notice: Encodable {
        var id: Int64
        var time: Int64
        var kind: String
        var actor: String
        var target: String?
        var detail: String?
        var readBy: String?
        var readAt: Int64?
        enum CodingKeys: String, CodingKey {
            case id, time, kind, actor, target, detail
            case readBy = "read_by", readAt = "read_at"
        }
    }

    static let page = SharedSQL("""
        SELECT id{::text}, at{::text}, actor, action, target, detail FROM audit_log WHERE action IN (\(actionList)) ORDER BY id DESC LIMIT ? OFFSET ?
        """)
    static let count = SharedSQL("SELECT COUNT(*){::text} FROM audit_log WHERE action IN (\(actionList))")
    static let one = SharedSQL("SELECT id{::text}, at{::text}, actor, action, target, detail FROM audit_log WHERE id = ? AND action IN (\(actionList))")
    static let reads = SharedSQL("SELECT target, actor, at{::text} FROM audit_log WHERE action = 'notice.read' ORDER BY id")

    static func routes(_ services: APIServices) -> [APIRoute] {
        let handle = services.accounts.handle
        let logger = services.accounts.logger
        /// Who read each notice first: notice id → (name, time).
        @Sendable func readers() async throws -> [Int64: (String, Int64)] {
            var readers: [Int64: (String, Int64)] = [:]
            for row in try await handle.textRows(Self.reads, logger: logger) {
                guard let target = row[0], target.hasPrefix("notice:"), let id = Int64(target.dropFirst(7)), let actor = row[1],
                      let at = row[2].flatMap(Int64.init), readers[id] == nil else { continue }
                readers[id] = (actor, at)
            }
            return readers
        }
        @Sendable func notices(_ rows: [[String?]], readers: [Int64: (String, Int64)]) -> [Notice] {
            rows.compactMap { row in
                guard row.count == 6, let id = row[0].flatMap(Int64.init), let at = row[1].flatMap(Int64.init), let actor = row[2], let kind = row[3] else { return nil }
                return Notice(id: id, time: at, kind: kind, actor: actor, target: row[4], detail: row[5], readBy: readers[id]?.0, readAt: readers[id]?.1)
            }
        }
        return [
            APIRoute(.get, "/notifications/notices", role: .viewer) { request, _ in
                let (cursor, limit) = try HistoryFilter.paging(request)
                let rows = try await handle.textRows(Self.page, [.integer(Int64(limit)), .integer(Int64(cursor))], logger: logger)
                let counted = try await handle.textRows(Self.count, logger: logger).first?.first ?? nil
                let total = counted.flatMap { Int($0) } ?? 0
                return try JSON.response(TradingRoutes.Page(items: notices(rows, readers: try await readers()), offset: cursor, total: total))
            },
            APIRoute(.post, "/notifications/notices/{id}/read", role: .operator) { _, context in
                guard let id = Int64(try context.parameter("id")) else { throw APIError.invalid("id", "id must be a notice's number") }
                guard let row = try await handle.textRows(Self.one, [.integer(id)], logger: logger).first else {
                    throw APIError.notFound("no notice with id \(id)")
                }
                let caller = try context.caller
                if let (name, at) = try await readers()[id] {
                    throw APIError(.conflict, "already_read", "notice \(id) was read by \(name) at \(at)")
                }
                try await services.accounts.audit(AuditRecord(actor: caller.actor, action: "notice.read", target: "notice:\(id)", detail: "role \(caller.role.rawValue)"))
                return try JSON.response(notices([row], readers: [id: (caller.actor, services.accounts.now())])[0])
            },
        ]
    }
}
