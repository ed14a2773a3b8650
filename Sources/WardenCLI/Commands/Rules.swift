import Foundation
import Alerting
import ArgumentParser
import WardenCore

struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check Prometheus rule files, and run promtool's rule unit tests through Warden's evaluator.",
        subcommands: [Check.self, Test.self, Bench.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load rule files as the supervisor would: exit 0 if valid, 78 otherwise.",
            discussion: """
                Every problem is printed as `FILE:LINE: key.path: message`: YAML syntax, unknown keys, PromQL outside \
                Warden's subset (naming the construct), bad templates, invalid names.
                """)

        @Argument(help: ArgumentHelp("Rule files in Prometheus' format.", valueName: "file"))
        var files: [String]

        func run() async throws {
            var failed = false
            for file in files {
                switch RuleFile.load(path: file) {
                case .success(let groups):
                    let rules = groups.reduce(0) { $0 + $1.rules.count }
                    print("\(file): SUCCESS: \(rules) rules found in \(groups.count) groups")
                case .failure(let error):
                    failed = true
                    for issue in error.issues { printError(issue.description) }
                }
            }
            if failed { throw ExitCode(WardenError.Code.configuration.exitStatus) }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rule unit-test files in promtool's format: exit 0 if all pass, 1 if one fails, 78 if a file is invalid.")

        @Argument(help: ArgumentHelp("Test files, as `promtool test rules` takes them.", valueName: "file"))
        var files: [String]

        func run() async throws {
            var status: Int32 = 0
            for file in files {
                print("Unit Testing: \(file)")
                do {
                    let outcome = try RuleUnitTest.run(path: file)
                    if outcome.failures.isEmpty {
                        print("  SUCCESS (\(outcome.testCount) tests)\n")
                    } else {
                        print("  FAILED:")
                        for failure in outcome.failures { print("    " + failure.replacingOccurrences(of: "\n", with: "\n    ")) }
                        print()
                        status = max(status, 1)
                    }
                } catch {
                    for issue in error.issues { printError(issue.description) }
                    status = WardenError.Code.configuration.exitStatus
                }
            }
            if status != 0 { throw ExitCode(status) }
        }
    }
}

extension RulesCommand {
    /// `make bench`: evaluation time of a rule set over a window of series.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmark: time to evaluate RULES rules over SERIES series (1 h at 15 s), median and p99 of N cycles.",
            shouldDisplay: false)
        @Option var series = 5000
        @Option var rules = 200
        @Option var cycles = 50
        @Option(help: "Threads for runs of alerting rules (default: one per core).") var threads: Int?

        func run() async throws {
            var workload = try RuleBenchmark.workload(series: series, rules: rules)
            if let threads { workload.engine.parallelism = max(1, threads) }
            var times: [Double] = []
            for _ in 0..<cycles {
                let started = ContinuousClock.now
                workload.engine.evaluate(at: workload.now)
                times.append((ContinuousClock.now - started).seconds * 1000)
                workload.scrape()  // new samples between cycles, not timed
            }
            let engine = workload.engine
            // The first cycle creates every alert; later ones update them, as a running supervisor does.
            let first = times.removeFirst()
            times.sort()
            print(String(format: "rule evaluation: %d rules over %d series, %d thread(s): median %.2f ms, p99 %.2f ms per cycle (%d cycles after a first one of %.2f ms; %d alerts, %d rule errors)",
                         rules, engine.store.seriesCount, engine.parallelism, times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))],
                         times.count, first, engine.alerts.count, engine.errors.count))
        }
    }
}
