import CompressNIO
import NIOCore
import Testing
import Trading
@testable import BingX

/// BingX's market stream: its frames as documented, and bars counted closed only once the next opens.
@Suite struct StreamFrameTests {
    @Test("a gzip frame is inflated; the documentation's kline push becomes its candle, amounts exact")
    func klinePush() throws {
        // BingX-spot-api-doc, WebSocket: the K-line push example.
        let push = #"{"data":{"E":1649832726550,"K":{"T":1649832779999,"c":"40017.48","h":"40027.83","i":"1min","l":"40017.48","n":13,"o":"40025.42","q":"2693.492344","s":"BTC-USDT","t":1649832720000,"v":"0.067295"},"e":"kline","s":"BTC-USDT"},"dataType":"BTC-USDT@kline_1min"}"#
        var buffer = ByteBuffer(string: push)
        let gzipped = try buffer.compress(with: .gzip())
        let frame = try StreamFrame.parse(try StreamFrame.text(of: gzipped))
        #expect(frame == .kline(symbol: "BTC-USDT", candle: Candle(openTime: 1_649_832_720_000, open: 40025.42, high: 40027.83, low: 40017.48, close: 40017.48, volume: 0.067295)))
    }

    @Test("spot's heartbeat is answered with its own id and time; swap's Ping with Pong")
    func heartbeats() throws {
        let ping = try StreamFrame.parse(#"{"ping":"2177c68e4d0e45679965f482929b59c2","time":"2022-06-07T16:27:36.323+0800"}"#)
        #expect(ping == .ping(answer: #"{"pong":"2177c68e4d0e45679965f482929b59c2","time":"2022-06-07T16:27:36.323+0800"}"#))
        #expect(try StreamFrame.parse("Ping") == .ping(answer: "Pong"))
    }

    @Test("a subscription's answer carries its code; a refusal is not mistaken for data")
    func subscriptionAnswers() throws {
        #expect(try StreamFrame.parse(#"{"id":"a","code":0,"msg":"","dataType":"","data":null}"#) == .subscribed(id: "a", code: 0, message: ""))
        #expect(try StreamFrame.parse(#"{"id":"b","code":100400,"msg":"bad dataType"}"#) == .subscribed(id: "b", code: 100400, message: "bad dataType"))
    }

    @Test("what is not BingX's is an error that shows the frame; a kline push missing a price too")
    func malformed() {
        #expect(throws: StreamFrame.Malformed.self) { try StreamFrame.parse("<html>") }
        #expect(throws: StreamFrame.Malformed.self) {
            try StreamFrame.parse(#"{"dataType":"BTC-USDT@kline_1min","data":{"K":{"t":1,"o":"1","h":"1","l":"1","v":"1"}}}"#)
        }
        #expect(throws: StreamFrame.Malformed.self) { try StreamFrame.text(of: ByteBuffer(bytes: [0x1f, 0x8b, 0, 1, 2])) }
    }

    @Test("the user stream's executionReport names the order (BingX's 19-digit id exact) and its status; listenKeyExpired is seen at either level")
    func userStream() throws {
        // BingX-spot-api-doc, WebSocket: the order update example, with a real-size id and a client id.
        let report = #"{"data":{"e":"executionReport","E":1499405658658,"s":"BTC-USDT","S":"BUY","o":"LIMIT","q":"1.00000000","p":"0.10264410","x":"NEW","X":"NEW","i":1736012345678901235,"c":"cci_btcusdt_1_entry","l":"0","z":"0","L":"0","n":"0","N":"USDT","T":1499405658657,"t":-1,"O":1499405658657,"Z":"0","Y":"0","Q":"0"},"dataType":"spot.executionReport"}"#
        #expect(try StreamFrame.parse(report) == .execution(orderID: "1736012345678901235", clientOrderID: "cci_btcusdt_1_entry", status: "NEW"))
        #expect(try StreamFrame.parse(#"{"e":"listenKeyExpired","E":1}"#) == .listenKeyExpired)
        #expect(try StreamFrame.parse(#"{"dataType":"spot.executionReport","data":{"e":"listenKeyExpired"}}"#) == .listenKeyExpired)
        #expect(throws: StreamFrame.Malformed.self) { try StreamFrame.parse(#"{"dataType":"spot.executionReport","data":{"e":"executionReport"}}"#) }
    }

    @Test("the subscription request and the stream's interval names")
    func requests() {
        #expect(StreamFrame.subscribe(id: "x", dataType: "BTC-USDT@kline_1min") == #"{"id":"x","reqType":"sub","dataType":"BTC-USDT@kline_1min"}"#)
        #expect(StreamFrame.intervalName("1m") == "1min")
        #expect(StreamFrame.intervalName("1h") == "60min")
        #expect(StreamFrame.intervalName("4h") == "4hour")
        #expect(StreamFrame.intervalName("7m") == nil)
    }
}

@Suite struct CandleCloserTests {
    let minute: Int64 = 60_000

    func bar(_ time: Int64, _ close: Double) -> Candle {
        Candle(openTime: time, open: close, high: close, low: close, close: close, volume: 1)
    }

    @Test("a bar is closed by the next one's opening, with its last update's values, never before")
    func closesOnNextOpen() {
        var closer = CandleCloser(markets: 1, interval: minute)
        closer.resume(at: 0)
        #expect(closer.update(market: 0, candle: bar(0, 10)).isEmpty)
        #expect(closer.update(market: 0, candle: bar(0, 11)).isEmpty)
        #expect(closer.update(market: 0, candle: bar(minute, 12)) == [.batch([MarketBar(market: 0, candle: bar(0, 11))])])
        // A late update of a closed bar changes nothing.
        #expect(closer.update(market: 0, candle: bar(0, 99)).isEmpty)
        #expect(closer.next == minute)
    }

    @Test("with two markets a batch waits for both to close")
    func batchesWaitForEveryMarket() {
        var closer = CandleCloser(markets: 2, interval: minute)
        closer.resume(at: 0)
        _ = closer.update(market: 0, candle: bar(0, 1))
        _ = closer.update(market: 1, candle: bar(0, 2))
        #expect(closer.update(market: 0, candle: bar(minute, 3)).isEmpty)
        #expect(closer.update(market: 1, candle: bar(minute, 4)) == [.batch([MarketBar(market: 0, candle: bar(0, 1)), MarketBar(market: 1, candle: bar(0, 2))])])
    }

    @Test("a bar the stream never showed (a reconnect, a skipped minute) is asked of REST, from where it is missing")
    func gapsGoToREST() {
        var closer = CandleCloser(markets: 1, interval: minute)
        closer.resume(at: 0)
        _ = closer.update(market: 0, candle: bar(0, 1))
        #expect(closer.update(market: 0, candle: bar(3 * minute, 2)) == [.batch([MarketBar(market: 0, candle: bar(0, 1))]), .backfill(from: minute)])
        // REST handed out up to 2 minutes; the stream goes on from there.
        closer.resume(at: 3 * minute)
        #expect(closer.update(market: 0, candle: bar(4 * minute, 3)) == [.batch([MarketBar(market: 0, candle: bar(3 * minute, 2))])])
    }

    @Test("after a reconnect the bar that was forming is not trusted: REST gives its final values")
    func reconnectForgetsForming() {
        var closer = CandleCloser(markets: 1, interval: minute)
        closer.resume(at: 0)
        _ = closer.update(market: 0, candle: bar(0, 1))
        closer.forgetForming()
        #expect(closer.update(market: 0, candle: bar(minute, 2)) == [.backfill(from: 0)])
    }
}
