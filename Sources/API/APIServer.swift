import Accounts
import Alerting
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOSSL
import ServiceLifecycle
import WardenCore

/// The API worker's HTTP side: every route of the table under /api/v1 behind the gate, with the
/// security headers, body limit, error shape and metrics around all of them.
public struct APIServer: Sendable {
    public let services: APIServices
    public let routes: [APIRoute]
    public let metrics: APIMetrics
    let gate: Gate
    let lockout: Lockout
    let hub: LiveHub
    let alerts: any AlertStore

    public init(services: APIServices, alerts: any AlertStore) {
        self.services = services
        self.alerts = alerts
        let settings = services.settings
        let lockout = Lockout(failures: settings.lockout.failures, window: settings.lockout.window, block: settings.lockout.block, now: services.now)
        self.lockout = lockout
        let metrics = APIMetrics(blockedIPs: { lockout.blockedCount })
        self.metrics = metrics
        hub = LiveHub(queue: settings.wsQueue, metrics: metrics)
        let gate = Gate(
            services: services, users: UserCache(accounts: services.accounts), lockout: lockout,
            limiter: RateLimiter(rate: settings.rateLimits.rate, burst: settings.rateLimits.burst, now: services.now),
            loginLimiter: RateLimiter(rate: settings.rateLimits.loginRate, burst: settings.rateLimits.loginBurst, now: services.now),
            metrics: metrics)
        self.gate = gate
        let table = AuthRoutes.routes(services, gate: gate) + TradingRoutes.routes(services) + StrategyRoutes.routes(services)
            + MonitoringRoutes.routes(services, alerts: alerts) + NoticeRoutes.routes(services) + OperationsRoutes.routes(services) + AnalyticsRoutes.routes(services) + BacktestRoutes.routes(services) + OptimiseRoutes.routes(services)
            + MarketRoutes.routes(services)
        routes = table + DocumentRoutes.routes(for: table)
    }

    /// The router with everything on it (tests drive it in process with HummingbirdTesting).
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics, known: Set(routes.map(\.path))))
        router.add(middleware: SecurityHeadersMiddleware(tls: services.settings.tls != nil, allowedOrigins: Set(services.settings.corsOrigins)))
        router.add(middleware: ErrorMiddleware(routes: routes))
        router.add(middleware: BodyLimitMiddleware(limit: Int(services.settings.bodyLimit.bytes)))
        let gate = self.gate
        let final = routes.map { route in
            var route = route
            route.handler = gate.wrap(route)
            return route
        }
        let api = router.group("/api/v1")
        for route in final where !route.path.hasPrefix("/docs") {
            api.on(RouterPath(route.routerPath), method: route.method, use: route.handler)
        }
        for route in final where route.path.hasPrefix("/docs") {
            router.on(RouterPath("/api" + route.routerPath), method: route.method, use: route.handler)
        }
        DashboardRoutes.add(to: router)
        return router
    }

    /// The WebSocket upgrade's own router: only `/api/v1/ws`.
    func webSocketRouter() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        LiveSocket.add(to: router, gate: gate, hub: hub)
        return router
    }

    /// What feeds the WebSocket: the engine's event stream and the supervisor's children and alerts.
    public func liveServices(engineSocket: String, logger: Logger) -> [any Service] {
        [
            EngineEventRelay(socketPath: engineSocket, hub: hub, logger: logger),
            SupervisorWatch(supervisor: services.supervisor, alerts: alerts, hub: hub, interval: .seconds(1), now: services.now),
        ]
    }

    /// Lifts a lockout block (`warden api unblock IP`, through the worker socket).
    public func unblock(_ address: String) -> Bool { lockout.unblock(address) }

    public var blockedAddresses: [String] { lockout.blockedAddresses }

    /// The listening application: TLS when `api.tls` is set (HTTP/2 or HTTP/1.1 by ALPN, the
    /// WebSocket on HTTP/1.1), plain HTTP/1.1 on loopback otherwise.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void) throws -> any Service {
        let settings = services.settings
        let configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "warden-api")
        let router = self.router()
        if let tls = settings.tls {
            let certificates: [NIOSSLCertificate]
            let key: NIOSSLPrivateKey
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(tls.certFile)
                key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
            } catch {
                throw WardenError(.configuration, "the TLS certificate or key cannot be read: \(error)", location: "api.tls")
            }
            let tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
            let webSocketResponder = webSocketRouter().buildResponder()
            let server = HTTPServerBuilder { responder in
                try SecureHTTPChannel(tls: tlsConfiguration, responder: responder, webSocketResponder: webSocketResponder)
            }
            return Application(
                router: router, server: server, configuration: configuration,
                onServerRunning: { await onServerRunning($0.localAddress?.port ?? settings.port) }, logger: logger)
        }
        return Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter()), configuration: configuration, onServerRunning: { await onServerRunning($0.localAddress?.port ?? settings.port) }, logger: logger)
    }
}

/// Counts and times every answer by its route's template (`unmatched` for paths with no route).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: APIMetrics
    /// The table's templates; anything else (Hummingbird's not-found marker) is `unmatched`.
    let known: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var code = 500
        defer {
            let route = context.endpointPath.map { path in
                let trimmed = path.hasPrefix("/api/v1") ? String(path.dropFirst(7)) : path.hasPrefix("/api") ? String(path.dropFirst(4)) : path
                return trimmed.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            }
            metrics.requests.record(path: route.flatMap { known.contains($0) ? $0 : nil } ?? "unmatched", method: request.method.rawValue, code: code, duration: ContinuousClock.now - started)
        }
        do {
            let response = try await next(request, context)
            code = Int(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            code = Int(error.status.code)
            throw error
        }
    }
}
