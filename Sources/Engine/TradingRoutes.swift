import Foundation
import Hummingbird

/// The engine's operator endpoints on its socket (RUNTIME_DIR/engine.sock, owner-only):
///     GET  /v1/trading/status
///     POST /v1/trading/pause?by=NAME
///     POST /v1/trading/resume?by=NAME
public enum TradingRoutes {
    public struct Reply: ResponseCodable {
        public var ok: Bool
        public var message: String
        public var status: TradingEngine.TradingStatus
    }

    public static func add(to router: Router<BasicRequestContext>, engine: TradingEngine) {
        router.get("/v1/trading/status") { _, _ in Reply(ok: true, message: engine.status().state, status: engine.status()) }
        router.post("/v1/trading/:action") { request, context in
            let by = request.uri.queryParameters.get("by") ?? "operator"
            switch try context.parameters.require("action") {
            case "pause":
                engine.request(.pause(by))
                return Reply(ok: true, message: "new entries paused by \(by) (exits and stops still run)", status: engine.status())
            case "resume":
                engine.request(.resume(by))
                return Reply(ok: true, message: "trading resumed by \(by)", status: engine.status())
            default:
                throw HTTPError(.notFound, message: "unknown action; use pause or resume")
            }
        }
    }
}

extension TradingEngine.TradingStatus: ResponseCodable {}
