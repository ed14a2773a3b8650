import Hummingbird
import Telemetry

/// Counts and times every request the supervisor's HTTP endpoint answers.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPRequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.record(
                path: request.uri.path, method: request.method.rawValue, code: response.status.code,
                duration: ContinuousClock.now - started)
            return response
        } catch {
            let code = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(path: request.uri.path, method: request.method.rawValue, code: code, duration: ContinuousClock.now - started)
            throw error
        }
    }
}
