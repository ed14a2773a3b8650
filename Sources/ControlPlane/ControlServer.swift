import Foundation
import Hummingbird
import Logging
import Supervisor
import WardenProtocol

/// The supervisor's control socket (unix, 0600, in the runtime directory): what `warden ctl` and
/// the API worker use.
///
///     GET  /v1/status
///     POST /v1/children/{name}/start | stop | restart
///     POST /v1/reload
///     POST /v1/jobs/{name}/run | /v1/jobs/once
///     POST /v1/notifications/canary | failover
public enum ControlServer {
    public static func application(
        supervisor: Supervisor, socketPath: String, health: @escaping @Sendable () async -> HealthReport, notifications: NotificationControl,
        logger: Logger, onListening: @escaping @Sendable () -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/notifications/canary") { _, _ in jsonResponse(await notifications.canary()) }
        router.post("/v1/notifications/failover") { _, _ in jsonResponse(await notifications.failover()) }
        router.get("/v1/status") { _, _ in jsonResponse(supervisor.status()) }
        router.get("/v1/health") { _, _ in jsonResponse(await health()) }
        router.post("/v1/reload") { _, _ in reply(await supervisor.handle(.reload)) }
        router.post("/v1/children/:name/:action") { _, context in
            let name = try context.parameters.require("name")
            let request: ControlRequest
            switch try context.parameters.require("action") {
            case "start": request = .start(name)
            case "stop": request = .stop(name)
            case "restart": request = .restart(name)
            default: return jsonResponse(ControlReply(ok: false, message: "unknown action; use start, stop or restart"), status: .notFound)
            }
            return reply(await supervisor.handle(request))
        }
        router.post("/v1/jobs/once") { request, context in
            let job = try await request.decode(as: OneOffJob.self, context: context)
            guard job.timeoutSeconds > 0, job.timeoutSeconds <= 86_400, !job.name.isEmpty, !job.arguments.isEmpty else {
                return jsonResponse(ControlReply(ok: false, message: "a one-off job needs a name, arguments and a timeout of up to a day"), status: .badRequest)
            }
            return reply(await supervisor.handle(.runOnce(name: job.name, arguments: job.arguments, timeout: .milliseconds(Int64(job.timeoutSeconds * 1000)))))
        }
        router.post("/v1/jobs/:name/run") { _, context in
            reply(await supervisor.handle(.runJob(try context.parameters.require("name"))))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath), serverName: "warden-control"),
            onServerRunning: { _ in
                // The runtime directory is private too; this keeps the socket owner-only wherever it lives.
                let restricted = chmod(socketPath, 0o600) == 0
                Logger(label: "warden.security").log(
                    level: restricted ? .info : .critical, restricted ? "control socket restricted to its owner (0600)" : "control socket permissions could not be restricted",
                    metadata: ["socket": "\(socketPath)", "uid": "\(getuid())"])
                onListening()
            },
            logger: logger)
    }

    private static func reply(_ reply: ControlReply) -> Response {
        jsonResponse(reply, status: reply.ok ? .ok : .conflict)
    }
}
