import ArgumentParser
import BingX
import Foundation
import Trading
import WardenCore

struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange", abstract: "The configured exchange (engine.exchange): check it before trading.",
        subcommands: [Check.self, Bench.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check BingX: its clock against this host's, the keys (a signed balance read), and each market's rules; exit 1 on a problem.",
            discussion: "Nothing is ordered. Trading permission shows only when an order is placed: start with demo: true or the paper venue.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        struct Report: Encodable {
            var exchange: String
            var restURL: String
            var clockOffsetMilliseconds: Int64?
            var credentials: String
            var balances: [String: String]
            var markets: [[String: String]]
            var problems: [String]

            enum CodingKeys: String, CodingKey {
                case exchange, credentials, balances, markets, problems
                case restURL = "rest_url", clockOffsetMilliseconds = "clock_offset_ms"
            }
        }

        func run() async throws {
            let configuration = try options.loadConfiguration()
            let exchange = configuration.engine.exchange
            guard exchange.kind == .bingx || configuration.engine.marketData.source == "bingx" else {
                throw fail(WardenError(.usage, "engine.exchange is the paper exchange and its data a replay: there is no exchange to check"))
            }
            let client = BingXSetup.client(exchange)
            let venue = BingXVenue(client: client, market: exchange.market, markets: configuration.engine.markets.map(\.symbol))
            var report = Report(
                exchange: "bingx \(exchange.market.rawValue)\(exchange.demo ? " (demo)" : "")", restURL: BingXHosts(exchange).rest, clockOffsetMilliseconds: nil,
                credentials: exchange.kind == .bingx ? "unchecked" : "none (dry run: public data only)", balances: [:], markets: [], problems: [])
            do {
                try await venue.prepare()
                report.clockOffsetMilliseconds = client.clockOffset
                for market in configuration.engine.markets {
                    let instrument = try await venue.instrument(market.symbol)
                    report.markets.append([
                        "symbol": instrument.symbol, "tick_size": "\(instrument.tickSize)", "step_size": "\(instrument.stepSize)",
                        "min_quantity": "\(instrument.minQuantity)", "min_notional": "\(instrument.minNotional)",
                    ])
                }
            } catch {
                report.clockOffsetMilliseconds = client.clockOffset
                report.problems.append("\(error)")
            }
            if exchange.kind == .bingx {
                do {
                    for balance in try await venue.balances() where balance.free + balance.locked > 0 {
                        report.balances[balance.asset] = "\(balance.free) free, \(balance.locked) locked"
                    }
                    report.credentials = "valid (balances read)"
                } catch {
                    report.credentials = "refused"
                    report.problems.append("keys: \(error)")
                }
            }
            if json { try printJSON(report) } else {
                print("exchange: \(report.exchange) at \(report.restURL)")
                print("clock: " + (report.clockOffsetMilliseconds.map { "BingX is \($0) ms \($0 >= 0 ? "ahead of" : "behind") this host (recv_window \(DurationText.format(exchange.recvWindow)))" } ?? "not measured"))
                print("credentials: \(report.credentials)")
                for (asset, text) in report.balances.sorted(by: { $0.key < $1.key }) { print("  \(asset): \(text)") }
                for market in report.markets {
                    print("market \(market["symbol"]!): tick \(market["tick_size"]!), step \(market["step_size"]!), min quantity \(market["min_quantity"]!), min notional \(market["min_notional"]!)")
                }
                for problem in report.problems { printError("PROBLEM: \(problem)") }
            }
            if !report.problems.isEmpty { throw ExitCode(1) }
        }
    }
}
