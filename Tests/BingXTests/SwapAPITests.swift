import Foundation
import Testing
import Trading
@testable import BingX

/// BingX swap's answers as its documentation and ccxt show them (docs/bingx/swap-api-notes.md),
/// read into Warden's types exactly, and its stream's frames.
@Suite struct SwapAPITests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T { try JSONDecoder().decode(type, from: Data(json.utf8)) }

    @Test("placement echoes the id as clientOrderID, queries as clientOrderId: both read; a 19-digit id stays exact; an unset stop price is none")
    func orders() throws {
        // ccxt PR #20661's live placement answer (ids as strings, numbers as strings).
        let placed = try decode(SwapAPI.OrderBody.self, #"{"order":{"orderId":"1742841275314565120","symbol":"LTC-USDT","positionSide":"LONG","side":"BUY","type":"LIMIT","price":"50","quantity":"0.1","stopPrice":"0","workingType":"MARK_PRICE","clientOrderID":"myorder1","timeInForce":"GTC","priceRate":"0","stopLoss":"","takeProfit":"","reduceOnly":false}}"#).order.order
        #expect(placed.orderID == "1742841275314565120" && placed.clientOrderID == "myorder1" && placed.orderStatus == .accepted && placed.executedQuantity == 0)
        // docs-v3's query answer (the id as a number above 2^53).
        let queried = try decode(SwapAPI.OrderBody.self, #"{"order":{"symbol":"OP-USDT","orderId":1736012449498123456,"side":"SELL","positionSide":"LONG","type":"LIMIT","origQty":"1.0","price":"2.1710","executedQty":"0.4","avgPrice":"2.1710","cumQuote":"0.8684","stopPrice":"","profit":"0.0000","commission":"-0.000434","status":"PARTIALLY_FILLED","time":1702732596168,"updateTime":1702732596188,"clientOrderId":"cci_op_1_exit"}}"#).order.order
        #expect(queried.orderID == "1736012449498123456")
        #expect(queried.clientOrderID == "cci_op_1_exit" && queried.orderStatus == .partiallyFilled)
        #expect(queried.executedQuantity == Decimal(string: "0.4") && queried.averagePrice == Decimal(string: "2.1710") && queried.time == 1_702_732_596_188)
        let report = queried.report(clientOrderID: "cci-OPUSDT-1-exit", market: "OP-USDT")
        #expect(report.side == .sell && report.filledQuantity == Decimal(string: "0.4"))
        let guardOrder = try decode(SwapAPI.OrderBody.self, #"{"order":{"symbol":"BTC-USDT","orderId":2,"side":"SELL","type":"STOP_MARKET","stopPrice":"55000.0","status":"NEW","reduceOnly":true,"clientOrderId":"cci_btcusdt_1_sl1"}}"#).order.order
        #expect(guardOrder.isProtective && !queried.isProtective, "a reduce-only stop is known as a position's guard, from BingX's answer alone")
        let cancelled = try decode(SwapAPI.OrderBody.self, #"{"order":{"symbol":"BTC-USDT","orderId":1,"side":"SELL","status":"CANCELLED","time":"1702732596168"}}"#).order.order
        #expect(cancelled.orderStatus == .cancelled && cancelled.time == 1_702_732_596_168)
    }

    @Test("contracts give the rules by precision; the wallet, positions and the position mode as documented")
    func account() throws {
        let contracts = try decode([SwapAPI.Contract].self, #"[{"contractId":"100","symbol":"BTC-USDT","size":"0","quantityPrecision":4,"pricePrecision":1,"feeRate":0.0005,"tradeMinLimit":0,"tradeMinQuantity":0.0001,"tradeMinUSDT":2,"currency":"USDT","asset":"BTC","status":1,"apiStateOpen":"true","apiStateClose":"true"}]"#)
        #expect(contracts[0].pricePrecision == 1 && contracts[0].tradeMinQuantity?.value == Decimal(string: "0.0001") && contracts[0].tradeMinUSDT?.value == 2)
        let wallet = try decode([SwapAPI.AccountBalance].self, #"[{"userId":"116***295","asset":"USDT","balance":"194.8212","equity":"196.7431","unrealizedProfit":"1.9219","realisedProfit":"-109.2504","availableMargin":"193.7609","usedMargin":"1.0602","freezedMargin":"0.0000","shortUid":"1"},{"asset":"","balance":"0","availableMargin":"0"}]"#)
        #expect(wallet[0].balance.value == Decimal(string: "194.8212") && wallet[0].availableMargin.value == Decimal(string: "193.7609") && wallet[1].asset == "")
        let positions = try decode([SwapAPI.SwapPosition].self, #"[{"positionId":"1735","symbol":"BNB-USDT","currency":"USDT","positionAmt":"0.20","availableAmt":"0.20","positionSide":"SHORT","isolated":true,"avgPrice":"246.43","initialMargin":"9.7914","leverage":5,"unrealizedProfit":"-0.0653","realisedProfit":"-0.0251","liquidationPrice":294.16914617776246}]"#)
        #expect(positions[0].positionAmt.value == Decimal(string: "0.20") && positions[0].positionSide == "SHORT" && positions[0].avgPrice.value == Decimal(string: "246.43"))
        #expect(try decode(SwapAPI.PositionMode.self, #"{"dualSidePosition":"true"}"#).dualSidePosition)
        #expect(try !decode(SwapAPI.PositionMode.self, #"{"dualSidePosition":false}"#).dualSidePosition)
    }

    @Test("fill history: the quantity is volume, the trade id a string, the time ISO 8601")
    func fills() throws {
        let fills = try decode(SwapAPI.Fills.self, #"{"fill_history_orders":[{"filledTm":"2023-12-16T20:58:36Z","volume":"4.10","price":"3.1088","qty":"12.74","quoteQty":"211.40","commission":"-0.0025","commissionAsset":"USDT","orderId":"1736007768311123456","tradeId":"241512","filledTime":"2023-12-16T20:58:36.000+0800","symbol":"WLD-USDT","role":"maker","side":"buy","positionSide":"short"}],"total":1}"#)
        let fill = try #require(fills.fills?.first)
        #expect(fill.volume.value == Decimal(string: "4.10") && fill.tradeId.value == "241512" && fill.orderId.value == "1736007768311123456")
        #expect(fill.commission?.value == Decimal(string: "-0.0025"))
        #expect(try Date(fill.filledTm, strategy: .iso8601).timeIntervalSince1970 == 1_702_760_316)
        #expect(try decode(SwapAPI.Fills.self, #"{"total":0}"#).fills == nil)
    }

    @Test("swap's stream: a kline push's last bar, an ORDER_TRADE_UPDATE's order and client id, the text heartbeat")
    func stream() throws {
        let kline = #"{"code":0,"dataType":"BTC-USDT@kline_1m","s":"BTC-USDT","data":[{"c":"40017.4","o":"40025.4","h":"40027.8","l":"40017.4","v":"0.0673","T":1649832720000}]}"#
        #expect(try StreamFrame.parse(kline) == .kline(symbol: "BTC-USDT", candle: Candle(openTime: 1_649_832_720_000, open: 40025.4, high: 40027.8, low: 40017.4, close: 40017.4, volume: 0.0673)))
        // The v2 documentation's ORDER_TRADE_UPDATE example, with a real-size id and Warden's client id.
        let update = #"{"e":"ORDER_TRADE_UPDATE","E":1676973375161,"o":{"s":"LINK-USDT","c":"cci_linkusdt_1_entry","i":1627970445070303232,"S":"SELL","o":"MARKET","q":"5.00000000","p":"7.82700000","ap":"7.82690000","x":"TRADE","X":"FILLED","N":"USDT","n":"-0.01369708","T":1676973375149,"wt":"MARK_PRICE","ps":"SHORT","rp":"0.00000000","z":"0.00000000"}}"#
        #expect(try StreamFrame.parse(update) == .execution(orderID: "1627970445070303232", clientOrderID: "cci_linkusdt_1_entry", status: "FILLED"))
        #expect(try StreamFrame.parse(#"{"e":"ORDER_TRADE_UPDATE","E":1,"o":{"i":"7","c":"","X":"NEW"}}"#) == .execution(orderID: "7", clientOrderID: nil, status: "NEW"))
        #expect(throws: StreamFrame.Malformed.self) { try StreamFrame.parse(#"{"e":"ORDER_TRADE_UPDATE","E":1}"#) }
        #expect(try StreamFrame.parse("Ping") == .ping(answer: "Pong"))
        // The v2 documentation's ACCOUNT_UPDATE example: the markets whose positions changed.
        let account = #"{"e":"ACCOUNT_UPDATE","E":1676603102163,"T":1676603102163,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"5277.59264687","cw":"5233.21709203","bc":"0"}],"P":[{"s":"LINK-USDT","pa":"108.84300000","ep":"7.25620000","up":"1.42220000","mt":"isolated","iw":"23.19081642","ps":"SHORT","cr":"-0.05642405"}]}}"#
        #expect(try StreamFrame.parse(account) == .account(symbols: ["LINK-USDT"]))
        #expect(try StreamFrame.parse(#"{"e":"ACCOUNT_UPDATE","E":1,"a":{"m":"FUNDING_FEE","B":[]}}"#) == .account(symbols: []))
        #expect(SwapMarket().streamInterval("1h") == "1h" && SwapMarket().streamInterval("1min") == nil && SpotMarket().streamInterval("1h") == "60min")
    }
}
