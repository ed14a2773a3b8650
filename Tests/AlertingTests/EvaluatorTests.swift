import Testing
@testable import Alerting

/// Results worked out by hand from Prometheus' definitions.
@Suite struct EvaluatorTests {
    func store(_ series: [(String, [Double?])], step: Int64 = 60_000) throws -> SeriesStore {
        var store = SeriesStore(retention: .max / 4)
        for (text, values) in series {
            let labels = try RuleUnitTest.seriesLabels(text)
            for (index, value) in values.enumerated() {
                if let value { store.append(labels, Point(Int64(index) * step, value)) }
            }
        }
        return store
    }

    func value(_ expression: String, at time: Int64, _ store: SeriesStore) throws -> [Sample] {
        switch try Evaluator(source: store).evaluate(try Parser.parse(expression), at: time) {
        case .vector(let samples): return samples.sorted { $0.labels < $1.labels }
        case .scalar(let value): return [Sample(Labels(), value)]
        default: return []
        }
    }

    @Test func increaseAddsBackCounterResets() throws {
        // 0 10 20 5 15 over 4 minutes: 20 before the reset, then 15 again from 0 → 35.
        let s = try store([("requests_total{job=\"a\"}", [0, 10, 20, 5, 15])])
        #expect(try value("increase(requests_total[4m])", at: 240_000, s).map(\.value) == [35])
        #expect(try value("rate(requests_total[4m])", at: 240_000, s).map(\.value) == [35.0 * (1.0 / 240)])
        #expect(try value("resets(requests_total[4m])", at: 240_000, s).map(\.value) == [1])
        #expect(try value("irate(requests_total[4m])", at: 240_000, s).map(\.value) == [10.0 / 60])
    }

    @Test func rateExtrapolatesHalfAnIntervalPastSparseEdges() throws {
        // Samples at 2m and 3m in a 5m window ending at 5m: both edges are over 1.1 intervals
        // away, so half an interval (30 s) is added at each side: 10 × 120/60.
        let s = try store([("c_total", [nil, nil, 100, 110])])
        #expect(try value("increase(c_total[5m])", at: 300_000, s).map(\.value) == [20])
    }

    @Test func stalenessAndLookback() throws {
        let s = try store([("g{a=\"1\"}", [1, 2, Point.staleNaN]), ("g{a=\"2\"}", [5])])
        #expect(try value("g", at: 60_000, s).map(\.value) == [2, 5])
        #expect(try value("g", at: 120_000, s).map(\.value) == [5], "a staleness marker ends the series at once")
        #expect(try value("g", at: 300_000, s).map(\.value) == [5], "5 minutes of lookback, inclusive")
        #expect(try value("g", at: 300_001, s).isEmpty, "older than the lookback")
        #expect(try value("last_over_time(g[10m])", at: 120_000, s).map(\.value) == [2, 5], "range functions skip staleness markers")
    }

    @Test func histogramQuantileInterpolatesWithinTheBucket() throws {
        let s = try store([("h_bucket{le=\"1\"}", [10]), ("h_bucket{le=\"2\"}", [20]), ("h_bucket{le=\"+Inf\"}", [20])])
        #expect(try value("histogram_quantile(0.5, h_bucket)", at: 0, s).map(\.value) == [1])
        #expect(try value("histogram_quantile(0.75, h_bucket)", at: 0, s).map(\.value) == [1.5])
        #expect(try value("histogram_quantile(1.5, h_bucket)", at: 0, s).map(\.value) == [.infinity])
    }

    @Test func vectorMatching() throws {
        let s = try store([
            ("errors{job=\"a\", code=\"500\"}", [4]), ("errors{job=\"a\", code=\"503\"}", [6]), ("requests{job=\"a\"}", [100]),
        ])
        let ratio = try value("errors / ignoring(code) group_left requests", at: 0, s)
        #expect(ratio.map(\.value) == [0.04, 0.06])
        #expect(ratio.map { $0.labels["code"] ?? "" } == ["500", "503"])
        #expect(throws: PromQLError.self) { try value("errors / ignoring(code) requests", at: 0, s) }
        #expect(try value("sum by (job) (errors) / on(job) requests", at: 0, s).map(\.value) == [0.1])
        #expect(try value("errors > bool 5", at: 0, s).map(\.value) == [0, 1])
        #expect(try value("errors > 5", at: 0, s).map(\.labels.metricName) == ["errors"], "a filter keeps the metric name")
    }

    @Test func absentReportsTheSelectorsEqualityLabels() throws {
        let s = try store([("up{job=\"a\"}", [1])])
        #expect(try value("absent(up{job=\"b\", env=~\"p.*\"})", at: 0, s) == [Sample(Labels(["job": "b"]), 1)])
        #expect(try value("absent(up{job=\"a\"})", at: 0, s).isEmpty)
    }
}
