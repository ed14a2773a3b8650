import Foundation
import Hummingbird
import Trading
import WardenProtocol

/// The engine's operator endpoints on its socket; the wire types are `WardenProtocol`'s.
public enum TradingRoutes {
    public static func add(to router: Router<BasicRequestContext>, engine: TradingEngine) {
        router.get("/v1/trading/status") { _, _ in TradingReply(ok: true, message: engine.status().state, status: engine.status()) }
        router.post("/v1/trading/:action") { request, context in
            let by = request.uri.queryParameters.get("by") ?? "operator"
            switch try context.parameters.require("action") {
            case "pause":
                engine.control.send(.pause(by: by))
                return TradingReply(ok: true, message: "new entries paused by \(by) (exits and stops still run)", status: engine.status())
            case "resume":
                engine.control.send(.resume(by: by))
                return TradingReply(ok: true, message: "trading resumed by \(by)", status: engine.status())
            default:
                throw HTTPError(.notFound, message: "unknown action; use pause or resume")
            }
        }
    }
}

extension TradingReply: ResponseEncodable {}
