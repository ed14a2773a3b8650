import Foundation
import Synchronization
import Testing

@testable import Telemetry

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: @Sendable () -> Date { { self.current.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

@Suite struct RotatingFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-rotate-\(UUID())").path

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    func contents(_ name: String) -> String? { try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8) }

    @Test func rotatesBySizeAndKeepsOnlyTheRetainedFiles() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock()
        let file = try RotatingFile(
            path: "\(directory)/warden.log", policy: .init(maxBytes: 20, maxAge: .seconds(3600), keep: 2), now: clock.now)
        for index in 1...5 { file.write("line number \(index)\n") }  // 14 bytes each: one line per file
        #expect(contents("warden.log") == "line number 5\n")
        #expect(contents("warden.log.1") == "line number 4\n")
        #expect(contents("warden.log.2") == "line number 3\n")
        #expect(contents("warden.log.3") == nil, "only two old files are kept")
    }

    @Test func rotatesByAge() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock()
        let file = try RotatingFile(
            path: "\(directory)/warden.log", policy: .init(maxBytes: 1 << 20, maxAge: .seconds(60), keep: 3), now: clock.now)
        file.write("old\n")
        clock.advance(59)
        file.write("still young\n")
        clock.advance(2)
        file.write("new day\n")
        #expect(contents("warden.log") == "new day\n")
        #expect(contents("warden.log.1") == "old\nstill young\n")
    }

    @Test func anUnwritablePathIsAnError() {
        #expect(throws: (any Error).self) {
            try RotatingFile(path: "/proc/warden.log", policy: .init(maxBytes: 1, maxAge: .seconds(1), keep: 1))
        }
    }
}
