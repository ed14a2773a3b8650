import Foundation
import Testing

@testable import Telemetry

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/proc").path

private func value(_ families: [MetricFamily], _ name: String, _ labels: [String: String] = [:]) -> Double? {
    families.first { $0.name == name }?.samples.first { sample in
        labels.allSatisfy { key, value in sample.labels.contains { $0 == (key, value) } }
    }?.value
}

@Suite struct CollectorTests {
    let hz = ProcessCollector.ticksPerSecond

    @Test func hostSeriesUseNodeExporterNamesAndUnits() {
        let families = HostCollector(procRoot: fixtures, filesystems: ["/"]).collect()
        #expect(value(families, "node_cpu_seconds_total", ["cpu": "1", "mode": "steal"]) == 3 / hz)
        #expect(value(families, "node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]) == 25000 / hz)
        #expect(families.first { $0.name == "node_cpu_seconds_total" }?.samples.count == 16, "2 cpus × 8 modes; the total line is not a cpu")
        #expect(value(families, "node_memory_MemAvailable_bytes") == Double(20_480_000 * 1024))
        #expect(value(families, "node_memory_MemTotal_bytes") == Double(24_576_000 * 1024))
        #expect(value(families, "node_load1") == 0.52)
        #expect(value(families, "node_load15") == 0.21)
        #expect(value(families, "node_network_receive_bytes_total", ["device": "eth0"]) == 98_765_432)
        #expect(value(families, "node_network_transmit_bytes_total", ["device": "eth0"]) == 12_345_678)
        #expect((value(families, "node_filesystem_avail_bytes", ["mountpoint": "/"]) ?? 0) > 0)
    }

    @Test func processSeriesFromStatLimitsAndFds() {
        let families = ProcessCollector(procRoot: fixtures, process: "self").collect()
        #expect(value(families, "process_cpu_seconds_total") == 300 / hz)
        #expect(value(families, "process_threads") == 7)
        #expect(value(families, "process_start_time_seconds") == 1_700_000_000 + 12345 / hz)
        #expect(value(families, "process_virtual_memory_bytes") == 104_857_600)
        #expect(value(families, "process_resident_memory_bytes") == 2560 * ProcessCollector.pageSize)
        #expect(value(families, "process_open_fds") == 3)
        #expect(value(families, "process_max_fds") == 1024)
    }

    @Test func aCommandNameWithSpacesAndParenthesesDoesNotShiftFields() {
        let sample = ProcessCollector.parse(
            stat: "1 (a) b (c)) R 0 1 1 0 -1 0 0 0 0 0 100 100 0 0 20 0 3 0 0 4096 10 0", bootTime: 0)
        #expect(sample?.cpuSeconds == 200 / hz)
        #expect(sample?.threads == 3)
    }

    @Test func requestMetricsBucketByHandlerAndFoldUnknownPaths() {
        let metrics = HTTPRequestMetrics(handlers: ["/metrics"])
        metrics.record(path: "/metrics", method: "GET", code: 200, duration: .microseconds(800))
        metrics.record(path: "/metrics", method: "GET", code: 200, duration: .milliseconds(30))
        metrics.record(path: "/wp-admin", method: "GET", code: 404, duration: .microseconds(100))
        let families = metrics.collect()
        #expect(value(families, "warden_http_requests_total", ["handler": "/metrics", "code": "200"]) == 2)
        #expect(value(families, "warden_http_requests_total", ["handler": "other", "code": "404"]) == 1)
        #expect(value(families, "warden_http_request_duration_seconds", ["handler": "/metrics", "le": "0.001"]) == 1)
        #expect(value(families, "warden_http_request_duration_seconds", ["handler": "/metrics", "le": "0.05"]) == 2)
    }
}
