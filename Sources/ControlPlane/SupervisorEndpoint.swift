import Foundation
import Hummingbird
import Logging
import Supervisor
import Telemetry
import WardenCore
import WardenProtocol

/// The supervisor's HTTP endpoint on `--listen`: /metrics (the one Prometheus target),
/// /healthz (the loop is turning, nothing more) and /readyz (the health model: 200 while its
/// application layer does not fail, with every layer's checks).
public enum SupervisorEndpoint {
    public static let handlers: Set<String> = ["/metrics", "/healthz", "/readyz"]

    struct Check: Codable {
        var name: String
        var status: String
        var detail: String
        var latencySeconds: Double

        enum CodingKeys: String, CodingKey {
            case name, status, detail
            case latencySeconds = "latency_seconds"
        }
    }

    struct Report: Codable {
        var status: String
        var checks: [Check]
    }

    public static func application(
        supervisor: Supervisor, metrics: SupervisorMetrics, health: @escaping @Sendable () async -> HealthReport, address: ListenAddress, logger: Logger,
        onListening: @escaping @Sendable () -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics.http))
        router.get("/metrics") { request, _ in
            let format = ExpositionWriter.Format(accept: request.headers[.accept])
            let text = ExpositionWriter.write(await metrics.families(), format: format)
            return Response(
                status: .ok, headers: [.contentType: format.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ in
            let started = ContinuousClock.now
            let turning = supervisor.loopTurnedRecently(within: .seconds(10))
            let check = Check(
                name: "supervisor_loop", status: turning ? "pass" : "fail",
                detail: turning ? "event loop turned within 10s" : "event loop has not turned for 10s",
                latencySeconds: (ContinuousClock.now - started).seconds)
            return jsonResponse(
                Report(status: turning ? "pass" : "fail", checks: [check]),
                status: turning ? .ok : .serviceUnavailable)
        }
        router.get("/readyz") { _, _ in
            let report = await health()
            return jsonResponse(report, status: report.ready ? .ok : .serviceUnavailable)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "warden"),
            onServerRunning: { _ in onListening() },
            logger: logger)
    }
}
