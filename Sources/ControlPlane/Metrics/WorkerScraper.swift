import AsyncHTTPClient
import Foundation
import NIOCore
import Telemetry
import WardenCore

/// Fetches each worker's /metrics over its unix socket, all at once and each with a short timeout,
/// so a hung or broken worker costs one `warden_child_scrape_success{child}=0`, not the scrape.
public struct WorkerScraper: Sendable {
    public var directories: Directories
    public var timeout: Duration

    public init(directories: Directories, timeout: Duration = .milliseconds(500)) {
        self.directories = directories
        self.timeout = timeout
    }

    public struct Result: Sendable {
        public var families: [(child: String, families: [MetricFamily])]
        /// `warden_child_scrape_success` and `warden_child_scrape_duration_seconds`.
        public var health: [MetricFamily]
    }

    public func scrape(children: [String]) async -> Result {
        // Only children that serve a socket are workers; other programs under Warden are not scraped.
        let workers = children.filter { FileManager.default.fileExists(atPath: directories.workerSocket($0)) }
        let outcomes = await withTaskGroup(of: (String, [MetricFamily]?, Duration).self) { group in
            for child in workers {
                group.addTask {
                    let started = ContinuousClock.now
                    let families = try? await fetch(child)
                    return (child, families, ContinuousClock.now - started)
                }
            }
            var all: [(String, [MetricFamily]?, Duration)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.0 < $1.0 }
        }
        return Result(
            families: outcomes.compactMap { child, families, _ in families.map { (child, $0) } },
            health: [
                .single(
                    "warden_child_scrape_success", .gauge, "1 when the worker's own /metrics answered in time and parsed.",
                    outcomes.map { ([("child", $0.0)], $0.1 == nil ? 0 : 1) }),
                .single(
                    "warden_child_scrape_duration_seconds", .gauge, "Time taken to fetch the worker's /metrics.",
                    outcomes.map { ([("child", $0.0)], $0.2.seconds) }),
            ])
    }

    private func fetch(_ child: String) async throws -> [MetricFamily] {
        guard let url = URL(httpURLWithSocketPath: directories.workerSocket(child), uri: "/metrics") else { return [] }
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString), timeout: .nanoseconds(timeout.nanoseconds))
        guard response.status == .ok else { throw WardenError(.runtime, "worker answered \(response.status.code)") }
        let body = try await response.body.collect(upTo: 8 << 20)
        return try ExpositionParser.parse(String(buffer: body), relabel: child)
    }
}
