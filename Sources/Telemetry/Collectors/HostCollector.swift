import Foundation

/// Host series read from /proc and statfs, named as node_exporter names them.
public struct HostCollector: Sendable {
    public var procRoot: String
    /// Filesystems to report (`node_filesystem_*`), by mount point: the state directory.
    public var filesystems: [String]

    public init(procRoot: String = "/proc", filesystems: [String]) {
        self.procRoot = procRoot
        self.filesystems = filesystems
    }

    public func collect() -> [MetricFamily] {
        var families: [MetricFamily] = []
        if let stat = read("stat") { families += Self.cpu(procStat: stat) }
        if let meminfo = read("meminfo") { families += Self.memory(meminfo: meminfo) }
        if let loadavg = read("loadavg") { families += Self.load(loadavg: loadavg) }
        if let netdev = read("net/dev") { families += Self.network(netDev: netdev) }
        families += filesystemFamilies()
        return families
    }

    private func read(_ path: String) -> String? {
        try? String(contentsOfFile: "\(procRoot)/\(path)", encoding: .utf8)
    }

    static let cpuModes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]

    /// `cpuN user nice system idle iowait irq softirq steal guest guest_nice` in USER_HZ ticks.
    static func cpu(procStat: String) -> [MetricFamily] {
        var samples: [MetricFamily.Sample] = []
        for line in procStat.split(separator: "\n") where line.hasPrefix("cpu") && !line.hasPrefix("cpu ") {
            let fields = line.split(separator: " ")
            let cpu = String(fields[0].dropFirst(3))
            for (index, mode) in cpuModes.enumerated() where index + 1 < fields.count {
                guard let ticks = Double(fields[index + 1]) else { continue }
                samples.append(.init(labels: [("cpu", cpu), ("mode", mode)], value: ticks / ProcessCollector.ticksPerSecond))
            }
        }
        return [MetricFamily(
            name: "node_cpu_seconds_total", kind: .counter, help: "Seconds the CPUs spent in each mode.", samples: samples)]
    }

    static let memoryFields = ["MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree"]

    static func memory(meminfo: String) -> [MetricFamily] {
        var families: [MetricFamily] = []
        for line in meminfo.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { continue }
            let key = String(parts[0].dropLast())  // "MemTotal:"
            guard memoryFields.contains(key), let value = Double(parts[1]) else { continue }
            let bytes = parts.count > 2 && parts[2] == "kB" ? value * 1024 : value
            families.append(.single(
                "node_memory_\(key)_bytes", .gauge, "Memory information field \(key)_bytes.", [([], bytes)]))
        }
        return families
    }

    static func load(loadavg: String) -> [MetricFamily] {
        let parts = loadavg.split(separator: " ")
        guard parts.count >= 3 else { return [] }
        return zip(["node_load1", "node_load5", "node_load15"], parts.prefix(3)).compactMap { name, text in
            Double(text).map { MetricFamily.single(name, .gauge, "\(name.dropFirst(9))m load average.", [([], $0)]) }
        }
    }

    /// /proc/net/dev: two header lines, then `iface: rx_bytes rx_packets ... tx_bytes ...`.
    static func network(netDev: String) -> [MetricFamily] {
        var receive: [MetricFamily.Sample] = []
        var transmit: [MetricFamily.Sample] = []
        for line in netDev.split(separator: "\n").dropFirst(2) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let device = line[..<colon].trimmingCharacters(in: .whitespaces)
            let fields = line[line.index(after: colon)...].split(separator: " ")
            guard fields.count >= 9, let rx = Double(fields[0]), let tx = Double(fields[8]) else { continue }
            receive.append(.init(labels: [("device", device)], value: rx))
            transmit.append(.init(labels: [("device", device)], value: tx))
        }
        return [
            MetricFamily(name: "node_network_receive_bytes_total", kind: .counter, help: "Network device statistic receive_bytes.", samples: receive),
            MetricFamily(name: "node_network_transmit_bytes_total", kind: .counter, help: "Network device statistic transmit_bytes.", samples: transmit),
        ]
    }

    private func filesystemFamilies() -> [MetricFamily] {
        var avail: [MetricFamily.Sample] = []
        var size: [MetricFamily.Sample] = []
        var free: [MetricFamily.Sample] = []
        for path in filesystems {
            var info = statvfs()
            guard statvfs(path, &info) == 0 else { continue }
            let block = Double(info.f_frsize)
            let labels = [("mountpoint", path)]
            avail.append(.init(labels: labels, value: Double(info.f_bavail) * block))
            free.append(.init(labels: labels, value: Double(info.f_bfree) * block))
            size.append(.init(labels: labels, value: Double(info.f_blocks) * block))
        }
        return [
            MetricFamily(name: "node_filesystem_avail_bytes", kind: .gauge, help: "Filesystem space available to non-root users in bytes.", samples: avail),
            MetricFamily(name: "node_filesystem_free_bytes", kind: .gauge, help: "Filesystem free space in bytes.", samples: free),
            MetricFamily(name: "node_filesystem_size_bytes", kind: .gauge, help: "Filesystem size in bytes.", samples: size),
        ]
    }
}
