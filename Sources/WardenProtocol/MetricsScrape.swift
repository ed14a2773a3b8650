import AsyncHTTPClient
import Foundation
import NIOCore
import WardenCore

/// One scrape of an HTTP /metrics endpoint (the supervisor's, on `supervisor.listen`), as text.
public enum MetricsScrape {
    public static func fetch(_ url: String, timeout: Duration = .seconds(5)) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/plain; version=0.0.4")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let body = try await response.body.collect(upTo: 16 << 20)
            guard response.status.code == 200 else { throw WardenError(.unavailable, "answered \(response.status.code)", location: url) }
            return String(buffer: body)
        } catch let error as WardenError {
            throw error
        } catch {
            throw WardenError(.unavailable, "no metrics: \(error)", location: url, underlying: error)
        }
    }
}
