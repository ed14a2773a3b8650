import CompressNIO
import Foundation
import NIOCore
import Trading

/// One message of BingX's WebSocket streams, as documented (BingX-API/BingX-spot-api-doc,
/// "WebSocket"): every frame the server sends is gzip; spot's heartbeat is `{"ping": ID, "time": T}`
/// to be answered `{"pong": ID, "time": T}`, swap's the text `Ping` to be answered `Pong`.
enum StreamFrame: Equatable {
    /// A heartbeat and the text that answers it.
    case ping(answer: String)
    /// The answer to a subscription request.
    case subscribed(id: String, code: Int, message: String)
    /// An update of the bar forming now for a symbol (BingX pushes it as trades happen).
    case kline(symbol: String, candle: Candle)
    /// The user stream's `spot.executionReport`: an order of the account changed (BingX's id, the
    /// client id it was given when there is one, its status now).
    case execution(orderID: String, clientOrderID: String?, status: String)
    /// Swap's `ACCOUNT_UPDATE`: the account's positions changed in these markets (a stop BingX
    /// triggered may come with no order update, so this is a reason to ask about their orders).
    case account(symbols: [String])
    /// The user stream's listen key ran out: a new one is needed.
    case listenKeyExpired
    /// Anything else (other data types, an envelope without data).
    case other(String)

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The frame's text: inflated when gzip (every server frame is), else as sent.
    static func text(of buffer: ByteBuffer) throws(Malformed) -> String {
        guard buffer.readableBytesView.starts(with: [0x1f, 0x8b]) else { return String(buffer: buffer) }
        var copy = buffer
        do {
            return String(buffer: try copy.decompress(with: .gzip()))
        } catch {
            throw Malformed(description: "a binary frame that is not valid gzip (\(error))")
        }
    }

    static func parse(_ text: String) throws(Malformed) -> StreamFrame {
        if text == "Ping" { return .ping(answer: "Pong") }
        let data = Data(text.utf8)
        let head: Head
        do { head = try JSONDecoder().decode(Head.self, from: data) } catch {
            throw Malformed(description: "not a BingX stream message: \(text.prefix(120))")
        }
        if let ping = head.ping {
            // The answer echoes the ping's id and time, as the documentation's example does.
            let time = head.time.map { ",\"time\":\(Self.quoted($0))" } ?? ""
            return .ping(answer: "{\"pong\":\(Self.quoted(ping))\(time)}")
        }
        if let dataType = head.dataType, dataType.contains("@kline_") {
            // Swap's push carries `data` as an array of bars (`T` the open time, no `K`).
            if let push = try? JSONDecoder().decode(SwapKlinePush.self, from: data), let bar = push.data.last {
                return .kline(symbol: push.s ?? String(dataType.prefix { $0 != "@" }), candle: Candle(
                    openTime: bar.T, open: bar.o.value.double, high: bar.h.value.double, low: bar.l.value.double, close: bar.c.value.double,
                    volume: bar.v.value.double))
            }
            do {
                let push = try JSONDecoder().decode(KlinePush.self, from: data)
                let k = push.data.K
                return .kline(symbol: k.s ?? push.data.s ?? String(dataType.prefix { $0 != "@" }), candle: Candle(
                    openTime: k.t, open: k.o.value.double, high: k.h.value.double, low: k.l.value.double, close: k.c.value.double,
                    volume: k.v.value.double))
            } catch {
                throw Malformed(description: "a kline push BingX does not document: \(text.prefix(160))")
            }
        }
        if head.e == "listenKeyExpired" { return .listenKeyExpired }
        if head.e == "ACCOUNT_UPDATE" {
            guard let push = try? JSONDecoder().decode(AccountPush.self, from: data) else {
                throw Malformed(description: "an account update BingX does not document: \(text.prefix(160))")
            }
            return .account(symbols: (push.a.P ?? []).map(\.s))
        }
        if head.e == "ORDER_TRADE_UPDATE" || head.e == "TRADE_UPDATE" {
            // Swap's order push: the order in `o`, its client id in lower-case `c`.
            guard let push = try? JSONDecoder().decode(SwapOrderPush.self, from: data), let id = push.o.i else {
                throw Malformed(description: "an order update BingX does not document: \(text.prefix(160))")
            }
            return .execution(orderID: id.value, clientOrderID: push.o.c.flatMap { $0.isEmpty ? nil : $0 }, status: push.o.X ?? "")
        }
        if head.dataType == "spot.executionReport" || head.dataType == "executionReport" {
            do {
                let push = try JSONDecoder().decode(ExecutionPush.self, from: data)
                if push.data.e == "listenKeyExpired" { return .listenKeyExpired }
                guard let id = push.data.i else { throw Malformed(description: "no order id") }
                return .execution(orderID: id.value, clientOrderID: push.data.c.flatMap { $0.isEmpty ? nil : $0 }, status: push.data.X ?? "")
            } catch {
                throw Malformed(description: "an execution report BingX does not document: \(text.prefix(160))")
            }
        }
        if let data = try? JSONDecoder().decode(EventOnly.self, from: data), data.data?.e == "listenKeyExpired" { return .listenKeyExpired }
        if let id = head.id, let code = head.code {
            return .subscribed(id: id, code: code, message: head.msg ?? "")
        }
        return .other(head.dataType ?? "")
    }

    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    struct Head: Decodable {
        let ping: String?
        let time: String?
        let id: String?
        let code: Int?
        let msg: String?
        let dataType: String?
        /// An event at the top level (swap's user stream sends `listenKeyExpired` so).
        let e: String?
    }

    struct ExecutionPush: Decodable {
        struct Body: Decodable {
            let e: String?
            let i: BingXID?
            let c: String?
            let X: String?
        }

        let data: Body
    }

    struct EventOnly: Decodable {
        struct Body: Decodable { let e: String? }
        let data: Body?
    }

    struct AccountPush: Decodable {
        struct Body: Decodable {
            struct Position: Decodable { let s: String }
            let P: [Position]?
        }

        let a: Body
    }

    struct SwapOrderPush: Decodable {
        struct Body: Decodable {
            let i: BingXID?
            let c: String?
            let X: String?
        }

        let o: Body
    }

    struct SwapKlinePush: Decodable {
        struct Bar: Decodable {
            let T: Int64
            let o, h, l, c, v: Amount
        }

        let s: String?
        let data: [Bar]
    }

    struct KlinePush: Decodable {
        struct Body: Decodable {
            let s: String?
            let K: Bar
        }

        struct Bar: Decodable {
            let t: Int64
            let s: String?
            let o, h, l, c, v: Amount
        }

        let data: Body
    }
}

extension StreamFrame {
    /// The subscription request for a symbol's bars of an interval.
    static func subscribe(id: String, dataType: String) -> String {
        "{\"id\":\(quoted(id)),\"reqType\":\"sub\",\"dataType\":\(quoted(dataType))}"
    }

    /// BingX's name for a timeframe in stream data types (`1m` → `1min`, `1h` → `60min`, `4h` →
    /// `4hour`, `1d` → `1day`, `1w` → `1week`, `1M` → `1mon`); nil for one BingX does not stream.
    static func intervalName(_ timeframe: String) -> String? {
        let names = [
            "1m": "1min", "3m": "3min", "5m": "5min", "15m": "15min", "30m": "30min", "1h": "60min", "2h": "2hour", "4h": "4hour",
            "6h": "6hour", "8h": "8hour", "12h": "12hour", "1d": "1day", "3d": "3day", "1w": "1week", "1M": "1mon",
        ]
        return names[timeframe]
    }
}
