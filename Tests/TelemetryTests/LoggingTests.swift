import Foundation
import Logging
import Synchronization
import Testing

@testable import Telemetry

/// Collects the lines a handler writes.
final class LineSink: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var write: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

@Suite struct LoggingTests {
    @Test func jsonLinesCarryTimeLevelCategoryMessageAndMetadata() throws {
        let sink = LineSink()
        let handler = JSONLogHandler(label: "warden.trading", levels: LogLevels(default: .info), masker: SecretMasker(), sink: sink.write)
        let logger = Logger(label: "warden.trading") { _ in handler }
        logger.info("order filled", metadata: ["order.id": "42", "side": "buy"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(sink.all[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["category"] as? String == "trading")
        #expect(object["message"] as? String == "order filled")
        #expect((object["metadata"] as? [String: String]) == ["order.id": "42", "side": "buy"])
        let time = try #require(object["time"] as? String)
        #expect(time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(sink.all[0].hasSuffix("\n") && sink.all[0].filter { $0 == "\n" }.count == 1)
    }

    @Test("text lines for a terminal: time, level, category, message, sorted key=value (quoted when needed), secrets masked")
    func textLines() {
        let sink = LineSink()
        let masker = SecretMasker()
        masker.update(secrets: ["s3cr3t-value"])
        let logger = Logger(label: "warden.trading") { TextLogHandler(label: $0, levels: LogLevels(default: .info), masker: masker, sink: sink.write) }
        logger.warning("order refused", metadata: ["side": "buy", "reason": "needs 10 USDT", "key": "s3cr3t-value"])
        let line = sink.all[0]
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning  trading     order refused "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.hasSuffix(#" key=\#(SecretMasker.mask) reason="needs 10 USDT" side=buy"# + "\n"), "\(line)")
        #expect(!line.contains("s3cr3t-value"))
    }

    @Test func eachCategoryHasItsOwnLevelAndItChangesInPlace() {
        let sink = LineSink()
        let levels = LogLevels(default: .info, overrides: [.trading: .error])
        let masker = SecretMasker()
        let trading = Logger(label: "warden.trading") { JSONLogHandler(label: $0, levels: levels, masker: masker, sink: sink.write) }
        let audit = Logger(label: "audit") { JSONLogHandler(label: $0, levels: levels, masker: masker, sink: sink.write) }
        trading.info("dropped")
        audit.info("kept")
        #expect(sink.all.count == 1)
        levels.update(default: .warning, overrides: [.trading: .debug])
        trading.debug("now kept")
        audit.info("now dropped")
        #expect(sink.all.count == 2)
        #expect(LogCategory(label: "Hummingbird") == .system)
    }

    @Test("the byte scan before the credential patterns misses nothing they would mask, in any case")
    func credentialPrefilter() {
        let masker = SecretMasker()
        for line in ["AUTHORIZATION: Basic dXNlcjpwYXNz", "curl -H 'Bearer abc.def'", "x-BX-ApiKey=k123456", "Password: hunter22", "TOKEN=t0k3n"] {
            #expect(SecretMasker.mayHoldCredential(line), "\(line)")
            #expect(masker.redact(line).contains(SecretMasker.mask), "\(line)")
        }
        let order = #"{"message":"order sent","metadata":{"client_order_id":"cci-BTCUSDT-1617323400000-entry","side":"buy"}}"#
        #expect(!SecretMasker.mayHoldCredential(order))
        #expect(masker.redact(order) == order)
    }

    @Test func aKnownSecretNeverAppearsInMessageOrMetadata() {
        let sink = LineSink()
        let secret = "s3cr3t-\(UUID().uuidString)"
        let masker = SecretMasker(secrets: [secret, "abc"])
        let logger = Logger(label: "security") { JSONLogHandler(label: $0, levels: LogLevels(default: .trace), masker: masker, sink: sink.write) }
        logger.error("login with \(secret) failed", metadata: ["header": "X-Key: \(secret)", "nested": ["k": "\(secret)"]])
        logger.info("Authorization: Basic dXNlcjpwYXNz")
        logger.info("Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
        logger.info(#"{"api_key": "AKIA123456", "apiSecret":"xyz987"}"#)
        let text = sink.all.joined()
        #expect(!text.contains(secret))
        #expect(!text.contains("dXNlcjpwYXNz"))
        #expect(!text.contains("eyJhbGciOiJIUzI1NiJ9"))
        #expect(!text.contains("AKIA123456"))
        #expect(!text.contains("xyz987"))
        #expect(text.contains("abc") == false || !text.contains("***abc"), "too-short values are not masked by value")
        #expect(text.contains("login with *** failed"))
    }

    @Test func journalFieldNamesAreValid() {
        #expect(JournalLogHandler.fieldName("child.name") == "WARDEN_CHILD_NAME")
        #expect(JournalLogHandler.fieldName("_PID") == "WARDEN_PID")
        #expect(JournalLogHandler.fieldName("9lives") == "WARDEN_LIVES")
        #expect(JournalLogHandler.priority(.critical) == 2 && JournalLogHandler.priority(.debug) == 7)
        #expect(!JournalLogHandler.stderrIsJournal(environment: ["JOURNAL_STREAM": "1:1"]))
    }
}
