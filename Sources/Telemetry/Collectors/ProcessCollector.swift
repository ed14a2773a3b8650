import Foundation

/// The standard `process_*` families for one process, read from /proc (as client_golang does).
public struct ProcessCollector: Sendable {
    public var procRoot: String
    /// `self` for this process, or a pid.
    public var process: String

    public init(procRoot: String = "/proc", process: String = "self") {
        self.procRoot = procRoot
        self.process = process
    }

    /// Clock ticks per second of /proc's CPU times.
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    /// What /proc/PID/stat and friends say about a process.
    public struct Sample: Sendable, Equatable {
        public var cpuSeconds: Double
        public var residentBytes: Double
        public var virtualBytes: Double
        public var startTimeSeconds: Double
        public var threads: Double
        public var openFDs: Double?
        public var maxFDs: Double?
    }

    public func sample() -> Sample? {
        let base = "\(procRoot)/\(process)"
        guard let stat = try? String(contentsOfFile: base + "/stat", encoding: .utf8),
              let bootTime = Self.bootTime(procStat: (try? String(contentsOfFile: procRoot + "/stat", encoding: .utf8)) ?? "")
        else { return nil }
        guard var sample = Self.parse(stat: stat, bootTime: bootTime) else { return nil }
        sample.openFDs = (try? FileManager.default.contentsOfDirectory(atPath: base + "/fd")).map { Double($0.count) }
        sample.maxFDs = (try? String(contentsOfFile: base + "/limits", encoding: .utf8)).flatMap(Self.maxOpenFiles)
        return sample
    }

    public func collect(prefix: String = "process", labels: [(String, String)] = []) -> [MetricFamily] {
        guard let sample = sample() else { return [] }
        var families: [MetricFamily] = [
            .single("\(prefix)_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.", [(labels, sample.cpuSeconds)]),
            .single("\(prefix)_resident_memory_bytes", .gauge, "Resident memory size in bytes.", [(labels, sample.residentBytes)]),
            .single("\(prefix)_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.", [(labels, sample.virtualBytes)]),
            .single("\(prefix)_start_time_seconds", .gauge, "Start time of the process since unix epoch in seconds.", [(labels, sample.startTimeSeconds)]),
            .single("\(prefix)_threads", .gauge, "Number of OS threads in the process.", [(labels, sample.threads)]),
        ]
        if let open = sample.openFDs {
            families.append(.single("\(prefix)_open_fds", .gauge, "Number of open file descriptors.", [(labels, open)]))
        }
        if let max = sample.maxFDs {
            families.append(.single("\(prefix)_max_fds", .gauge, "Maximum number of open file descriptors.", [(labels, max)]))
        }
        return families
    }

    /// Parses /proc/PID/stat; the command name may contain spaces and parentheses, so fields are
    /// counted from the last `)`.
    static func parse(stat: String, bootTime: Double) -> Sample? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let start = field(22),
              let vsize = field(23), let rss = field(24)
        else { return nil }
        return Sample(
            cpuSeconds: (utime + stime) / ticksPerSecond, residentBytes: rss * pageSize, virtualBytes: vsize,
            startTimeSeconds: bootTime + start / ticksPerSecond, threads: threads, openFDs: nil, maxFDs: nil)
    }

    static func bootTime(procStat: String) -> Double? {
        procStat.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
    }

    static func maxOpenFiles(limits: String) -> Double? {
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        let parts = line.dropFirst("Max open files".count).split(separator: " ")
        guard let soft = parts.first else { return nil }
        return soft == "unlimited" ? Double.infinity : Double(soft)
    }
}
