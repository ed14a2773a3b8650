import CSpawn
import CSystemd
import Foundation

/// sd_notify through libsystemd: the supervisor talks to systemd with it, and a worker to the
/// supervisor. Sends nothing when there is no NOTIFY_SOCKET, so the same binary runs by hand.
public struct SystemdNotifier: Sendable {
    /// From WATCHDOG_USEC; pings go out at half of it.
    public let watchdogInterval: Duration?
    public let isEnabled: Bool

    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC (checking WATCHDOG_PID is this process).
    public init() {
        isEnabled = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil
        var usec: UInt64 = 0
        if sd_watchdog_enabled(0, &usec) > 0, usec > 0 {
            watchdogInterval = .microseconds(Int64(usec))
        } else {
            watchdogInterval = nil
        }
    }

    /// The variables systemd gave this process that must not leak to its children.
    public static let privateVariables: Set<String> = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
    ]

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func ready() { send("READY=1") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdogPing() { send("WATCHDOG=1") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }
    public func reloading() { send("RELOADING=1\nMONOTONIC_USEC=\(warden_monotonic_usec())") }
    public func extendTimeout(_ extra: Duration) {
        let (seconds, attoseconds) = extra.components
        send("EXTEND_TIMEOUT_USEC=\(max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000))")
    }

    private func send(_ message: String) {
        guard isEnabled else { return }
        // A status line must stay one line.
        _ = sd_notify(0, message)
    }
}
