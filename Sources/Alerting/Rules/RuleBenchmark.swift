import Foundation

/// A synthetic workload for `make bench`: `series` series over 1 hour at a 15 s scrape interval
/// and `rules` rules of the kinds Warden ships (rates, sums by label, ratios, histogram
/// quantiles, thresholds), evaluated as one cycle.
public struct RuleBenchmark {
    public var engine: RuleEngine
    /// The time of the newest samples.
    public private(set) var now: Int64
    var series: [(Labels, Double)]

    /// Every series gets its next sample 15 s later, as a scrape would bring it.
    public mutating func scrape() {
        now += 15_000
        for index in series.indices {
            series[index].1 += Double((index + Int(now / 15_000)) % 7)
            engine.store.append(series[index].0, Point(now, series[index].1))
        }
        engine.store.trim(now: now)
    }

    public static func workload(series: Int, rules: Int) throws -> RuleBenchmark {
        var store = SeriesStore(retention: 2 * 3_600_000)
        var latest: [(Labels, Double)] = []
        let metrics = 50
        let perMetric = max(1, series / metrics)
        let end: Int64 = 3_600_000
        for metric in 0..<metrics {
            for index in 0..<perMetric {
                let isBucket = metric % 10 == 9
                var labels = [Label(Labels.metricName, isBucket ? "bench_\(metric)_bucket" : "bench_\(metric)_total"),
                              Label("instance", "i\(index % 20)"), Label("job", "j\(index % 5)")]
                labels.append(Label("series", "\(isBucket ? index / 5 : index)"))
                if isBucket { labels.append(Label("le", ["0.1", "0.5", "1", "5", "+Inf"][index % 5])) }
                let key = Labels(labels)
                var value = Double(index)
                for time in stride(from: Int64(0), through: end, by: 15_000) {
                    value += Double((index + Int(time / 15_000)) % 7)
                    store.append(key, Point(time, value))
                }
                latest.append((key, value))
            }
        }
        var text = "groups:\n  - name: bench\n    rules:\n"
        for rule in 0..<rules {
            let metric = rule % metrics
            let name = metric % 10 == 9 ? "bench_\(metric)_bucket" : "bench_\(metric)_total"
            let expression: String = switch rule % 5 {
            case 0: "sum by (job) (rate(\(name)[5m])) > 1"
            case 1: "increase(\(name){job=~\"j[0-2]\"}[10m]) > 100"
            case 2: metric % 10 == 9 ? "histogram_quantile(0.99, sum by (le, job) (rate(\(name)[5m]))) > 0.5"
                : "rate(\(name)[5m]) / on(instance, job, series) group_left rate(\(name)[10m]) > 2"
            case 3: "max_over_time(\(name)[15m]) - min_over_time(\(name)[15m]) > 1000"
            default: "absent(\(name){job=\"none\"}) or topk(3, \(name))"
            }
            text += "      - alert: Bench\(rule)\n        expr: '\(expression)'\n        for: 1m\n"
            text += "        annotations: {summary: '{{ $labels.instance }} at {{ $value | humanize }}'}\n"
        }
        let groups = try RuleFile.load(yaml: text, file: "bench").get()
        return RuleBenchmark(engine: RuleEngine(groups: groups, store: store), now: end, series: latest)
    }
}
