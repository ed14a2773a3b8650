import ArgumentParser
import Foundation
import WardenCore
import WardenProtocol

/// Manual trading through the running engine: the order is journaled, sent and watched like any
/// strategy's, from the market's `manual` slot, and audited with who asked.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Manual orders through the engine: place, cancel, list the open ones.",
        subcommands: [Place.self, Cancel.self, List.self])

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place a market order, or a limit order with --type limit --price P; prints its client order id and the venue's answer.")
        @Option(help: "The market, as BTC-USDT.") var market: String
        @Option(help: "buy or sell (a manual sell sells what manual buys bought).") var side: String
        @Option(help: "Base quantity (rounded down to the market's step).") var quantity: Double
        @Option(help: "market or limit.") var type = "market"
        @Option(help: "A limit order's price (rounded to the tick).") var price: Double?
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func validate() throws {
            guard ["market", "limit"].contains(type) else { throw ValidationError("--type: expected market or limit, found '\(type)'") }
            if type == "limit", price == nil { throw ValidationError("--type limit needs --price") }
            if type == "market", price != nil { throw ValidationError("--price is for --type limit") }
        }

        func run() async throws {
            let request = OrderRequest(market: market, side: side, quantity: quantity, price: price)
            try show(try await engine(options, timeout: .seconds(30)) { try await $0.place(request, by: by) }, json: json)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an open order by its client order id.")
        @Argument(help: "The client order id (warden order list shows them).") var clientOrderID: String
        @Option(help: "Who asks (recorded in the audit log).") var by = NSUserName()
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws { try show(try await engine(options, timeout: .seconds(30)) { try await $0.cancel(clientOrderID, by: by) }, json: json) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The journal's open orders: strategies' and manual ones.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions
        func run() async throws {
            let reply = try await engine(options) { try await $0.openOrders() }
            if json { try printJSON(reply.orders); return }
            if reply.orders.isEmpty { print("no open orders"); return }
            for o in reply.orders {
                print("\(o.clientOrderID)  \(o.strategy)  \(o.side) \(o.quantity ?? "?") \(o.market) \(o.type)\(o.price.map { " at \($0)" } ?? "")  \(o.status)")
            }
        }
    }

    /// The reply, as text or JSON; exit 1 when it was refused or rejected.
    static func show(_ reply: OrderReply, json: Bool) throws {
        if json { try printJSON(reply) } else { print("\(reply.clientOrderID ?? "-") \(reply.state): \(reply.message)") }
        if !reply.ok { throw ExitCode(1) }
    }
}
