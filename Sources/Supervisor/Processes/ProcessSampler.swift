import Foundation

/// Reads a process's resource use from /proc.
public enum ProcessSampler {
    private static let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    /// Resident set size in bytes, from /proc/PID/statm; nil if the process is gone.
    public static func residentBytes(pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return nil }
        return pages * pageSize
    }
}
