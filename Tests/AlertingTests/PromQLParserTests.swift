import Testing
@testable import Alerting

@Suite struct PromQLParserTests {
    /// Each expression is refused, and the message names what is wrong.
    @Test(arguments: [
        ("predict_linear(disk[1h], 3600)", "function \"predict_linear\" is outside Warden's PromQL subset"),
        ("label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")", "function \"label_replace\" is outside Warden's PromQL subset"),
        ("stddev(up)", "aggregation \"stddev\" is outside Warden's PromQL subset"),
        ("rate(http_requests_total[5m:1m])", "subqueries are outside Warden's PromQL subset"),
        ("up @ 1700000000", "the @ modifier is outside Warden's PromQL subset"),
        ("rate(http_requests_total)", "expected type range vector in call to function \"rate\", got instant vector"),
        ("sum(up[5m])", "expected type instant vector in aggregation expression, got range vector"),
        ("1 > 2", "comparisons between scalars must use BOOL modifier"),
        ("up and 1", "set operator \"and\" not allowed in binary scalar expression"),
        ("{job=~\".*\"}", "vector selector must contain at least one non-empty matcher"),
        ("up{job=\"a\"", "expected \",\" or \"}\", found end of input"),
        ("up{job=~\"(\"}", "invalid regular expression"),
        ("nosuch(up)", "unknown function \"nosuch\""),
        ("up[5x]", "bad number or duration \"5x\""),
        ("topk(up, 3)", "expected type instant vector in aggregation expression, got scalar"),
        ("up + bool up", "bool modifier can only be used on comparison operators"),
        ("up and on(job) group_left up", "no grouping allowed for \"and\" operation"),
    ])
    func refused(_ text: String, _ message: String) {
        #expect(throws: PromQLError.self) { try Parser.parse(text) }
        do {
            _ = try Parser.parse(text)
        } catch {
            #expect(error.message.contains(message), "\(text): \(error.message)")
        }
    }

    /// Operator precedence and associativity as Prometheus has them; constants are folded.
    @Test(arguments: [("1 + 2 * 3", 7.0), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4), ("1 - 2 - 3", -4), ("(1 + 2) * 3", 9), ("7 % 4 * 2", 6), ("0x10 + 1e1", 26)])
    func arithmetic(_ text: String, _ value: Double) throws {
        #expect(try Parser.parse(text) == .number(value))
    }

    @Test func durations() {
        #expect(Lexer.duration("1h30m") == 5_400_000)
        #expect(Lexer.duration("90s") == 90_000)
        #expect(Lexer.duration("1d") == 86_400_000)
        #expect(Lexer.duration("250ms") == 250)
        #expect(Lexer.duration("30m1h") == nil)  // units largest first, as Prometheus requires
    }

    @Test func selectorsKeepTheirMatchersAndOffset() throws {
        guard case .matrix(let selector, let range) = try Parser.parse("errors_total{job=\"api\", code=~\"5..\"}[10m] offset 1h") else {
            Issue.record("not a range selector")
            return
        }
        #expect(range == 600_000)
        #expect(selector.offset == 3_600_000)
        #expect(selector.matchers.map(\.description) == ["__name__=\"errors_total\"", "job=\"api\"", "code=~\"5..\""])
        #expect(selector.matchers[2].matches("503") && !selector.matchers[2].matches("5030"))
    }
}
