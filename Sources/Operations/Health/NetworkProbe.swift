import Foundation
import Storage

/// DNS and a TCP connect to one endpoint, with a deadline: what "reachable" means for a receiver
/// or an exchange. Blocking system calls, run off the caller's executor.
public enum NetworkProbe {
    /// The host and port of a URL (`https://hooks.slack.com/...`) or of `host:port` (an SMTP smarthost).
    public static func endpoint(_ text: String) -> (host: String, port: Int)? {
        if let url = URL(string: text), let host = url.host, !host.isEmpty {
            return (host, url.port ?? (url.scheme == "http" ? 80 : 443))
        }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        return (String(parts[0]), port)
    }

    /// nil when reachable, else why not (no address, refused, timed out).
    /// The blocking calls run on a Dispatch thread, never the cooperative pool (the supervisor's
    /// watchdog pings share that pool); a resolver slower than twice the timeout is given up on.
    public static func reach(host: String, port: Int, timeout: Duration = .seconds(2)) async -> String? {
        let milliseconds = Int32(timeout.nanoseconds / 1_000_000)
        let answer: String?? = try? await withDeadline(timeout * 2, expired: { CancellationError() }) {
            await withCheckedContinuation { continuation in
                probes.async { continuation.resume(returning: blockingReach(host: host, port: port, timeoutMilliseconds: milliseconds)) }
            }
        }
        guard let answer else { return "DNS or connect took over \(Int(milliseconds) * 2) ms" }
        return answer
    }

    private static let probes = DispatchQueue(label: "warden.health.probes", attributes: .concurrent)

    static func blockingReach(host: String, port: Int, timeoutMilliseconds: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else { return "DNS: \(String(cString: gai_strerror(resolved)))" }
        defer { freeaddrinfo(list) }
        // Every address in turn (an IPv6-first host may only answer on IPv4).
        var problem = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            guard let reason = connect(address.pointee, timeoutMilliseconds: timeoutMilliseconds) else { return nil }
            problem = reason
            next = address.pointee.ai_next
        }
        return problem
    }

    static func connect(_ address: addrinfo, timeoutMilliseconds: Int32) -> String? {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return "connect: \(String(cString: strerror(errno)))" }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) == 1 else { return "no answer within \(timeoutMilliseconds) ms" }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? nil : "connect: \(String(cString: strerror(error)))"
    }

    /// Whether the clock is NTP-synchronized, as systemd-timesyncd marks it
    /// (/run/systemd/timesync/synchronized); nil when nothing says (another NTP daemon, a container).
    public static func clockSynchronized(marker: String = "/run/systemd/timesync/synchronized") -> Bool? {
        FileManager.default.fileExists(atPath: marker) ? true : nil
    }
}
