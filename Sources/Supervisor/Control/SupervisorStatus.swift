import Foundation
import WardenProtocol

extension ChildStatus.LastExit {
    /// The number of the signal that ended the child, when one did.
    public var signalNumber: Int32? {
        signal.flatMap { name in (1..<65).first { SignalName.of($0) == name } }
    }

    init(_ record: ExitRecord) {
        var exitCode: Int32?
        var signal: String?
        switch record.status {
        case .exited(let code)?: exitCode = code
        case .signaled(let number, _)?: signal = SignalName.of(number)
        case nil: break
        }
        self.init(
            cause: record.cause.rawValue, exitCode: exitCode, signal: signal, at: record.at.timeIntervalSince1970,
            uptimeSeconds: record.uptime.seconds, watchdogOverrunSeconds: record.watchdogOverrun?.seconds,
            detail: record.detail)
    }
}
