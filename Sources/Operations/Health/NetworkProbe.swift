import Foundation

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
    public static func reach(host: String, port: Int, timeout: Duration = .seconds(2)) async -> String? {
        await Task.detached { blockingReach(host: host, port: port, timeoutMilliseconds: Int32(timeout.nanoseconds / 1_000_000)) }.value
    }

    static func blockingReach(host: String, port: Int, timeoutMilliseconds: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else { return "DNS: \(String(cString: gai_strerror(resolved)))" }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return nil }
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
