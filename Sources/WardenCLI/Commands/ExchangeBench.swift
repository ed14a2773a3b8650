import ArgumentParser
import BingX
import Foundation
import Trading
import WardenCore

extension ExchangeCommand {
    /// `make bench` only: orders far more than BingX allows, all at once, through the real client
    /// (its rate window, signing and HTTP), against a local fake. Refuses any host but loopback.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench", abstract: "Benchmark: N limit orders offered at once through the BingX client (loopback fakes only).", shouldDisplay: false)
        @Option(help: "Orders to place.") var orders = 100
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let exchange = try options.loadConfiguration().engine.exchange
            let host = BingXHosts(exchange).rest
            guard host.hasPrefix("http://127.0.0.1:") || host.hasPrefix("http://localhost:") else {
                throw fail(WardenError(.usage, "exchange bench places real orders: it runs against a fake on loopback only, not \(host)"))
            }
            let venue = BingXVenue(client: BingXSetup.client(exchange), market: exchange.market, markets: ["BTC-USDT"])
            try await venue.prepare()
            let instrument = try await venue.instrument("BTC-USDT")
            let started = ContinuousClock.now
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<orders {
                    group.addTask {
                        do {
                            let order = try Order.limit(
                                .buy, instrument, quantity: 0.01, price: 1000, id: "bench-\(UInt32.random(in: 0...UInt32.max))-\(index)", strategy: "bench", at: 0)
                            _ = try await venue.submit(order)
                            return "ok"
                        } catch let error as VenueError {
                            return error.code.description
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                var counts: [String: Int] = [:]
                for await outcome in group { counts[outcome, default: 0] += 1 }
                return counts
            }
            let seconds = started.duration(to: .now).seconds
            print("\(orders) orders offered at once: \(outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")); \(String(format: "%.2f", Double(outcomes["ok"] ?? 0) / seconds)) placed/s over \(String(format: "%.2f", seconds)) s")
        }
    }
}
