import Foundation
import Hummingbird
import Logging
import Supervisor
import Telemetry
import WardenCore

/// The supervisor's HTTP endpoint on `--listen`: /metrics (the one Prometheus target),
/// /healthz (the loop is turning) and /readyz (every child ready).
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
        supervisor: Supervisor, metrics: SupervisorMetrics, address: ListenAddress, logger: Logger,
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
            let started = ContinuousClock.now
            let status = supervisor.status()
            let latency = (ContinuousClock.now - started).seconds
            let checks = status.children.map { child in
                Check(
                    name: "child:\(child.name)", status: child.state == "running" ? "pass" : "fail",
                    detail: child.state + (child.downReason.map { ": \($0)" } ?? ""), latencySeconds: latency)
            }
            let ready = status.ready && checks.allSatisfy { $0.status == "pass" }
            return jsonResponse(Report(status: ready ? "pass" : "fail", checks: checks), status: ready ? .ok : .serviceUnavailable)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "warden"),
            onServerRunning: { _ in onListening() },
            logger: logger)
    }
}
