import Foundation
import Testing
@testable import BingX

/// BingX's signature, on the vectors of its own documentation.
@Suite struct SignerTests {
    @Test("the spot documentation's vector (BingX-spot-api-doc, REST API.md: a market buy by quote amount)")
    func spotVector() {
        let signer = BingXSigner(secretKey: "UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI")
        #expect(signer.signature(of: "quoteOrderQty=20&side=BUY&symbol=ETHUSDT&timestamp=1649404670162&type=MARKET")
            == "428a3c383bde514baff0d10d3c20e5adfaacaf799e324546dafe5ccc480dd827")
        // The same request built by Warden (its parameters sorted, as these happen to be).
        let query = signer.signedQuery(["quoteOrderQty": "20", "side": "BUY", "symbol": "ETHUSDT", "type": "MARKET"], timestamp: 1_649_404_670_162, recvWindow: nil)
        #expect(query == "quoteOrderQty=20&side=BUY&symbol=ETHUSDT&timestamp=1649404670162&type=MARKET&signature=428a3c383bde514baff0d10d3c20e5adfaacaf799e324546dafe5ccc480dd827")
    }

    @Test("the perpetual swap v2 documentation's vector (parameters in the order sent, not sorted)")
    func swapVector() {
        let signer = BingXSigner(secretKey: "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w")
        #expect(signer.signature(of: "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6")
            == "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf")
    }

    @Test("values are signed as they are and sent URL-encoded; recvWindow and timestamp take their places in the order")
    func encoding() {
        let signer = BingXSigner(secretKey: "secret")
        let json = #"[{"a":1}]"#
        let query = signer.signedQuery(["data": json, "symbol": "BTC-USDT"], timestamp: 1_700_000_000_000, recvWindow: 5000)
        let raw = "data=\(json)&recvWindow=5000&symbol=BTC-USDT&timestamp=1700000000000"
        #expect(query == "data=%5B%7B%22a%22%3A1%7D%5D&recvWindow=5000&symbol=BTC-USDT&timestamp=1700000000000&signature=" + signer.signature(of: raw))
    }

    @Test("an order id above 2^53 decodes exactly, as a number or a string")
    func bigIDs() throws {
        struct Order: Decodable { let orderId: BingXID }
        let id = "1736012345678901235"  // above 2^53 (9007199254740992): a Double would make it ...1236
        #expect(String(format: "%.0f", Double(id)!) != id)
        #expect(try JSONDecoder().decode(Order.self, from: Data(#"{"orderId": \#(id)}"#.utf8)).orderId.value == id)
        #expect(try JSONDecoder().decode(Order.self, from: Data(#"{"orderId": "\#(id)"}"#.utf8)).orderId.value == id)
    }

    @Test("Warden's client order ids become ids BingX takes: letters, digits and _, at most 40, distinct")
    func venueIDs() {
        #expect(BingXVenue.venueID("rsi_macd-BTC-USDT-1617323400000-entry") == "rsi_macd_btc_usdt_1617323400000_entry")
        #expect(BingXVenue.venueID("cci-BTC-USDT-1617323400000-exit") != BingXVenue.venueID("cci-BTC-USDT-1617323400000-entry"))
        let long = "a_long_strategy_name-BTC-USDT-1617323400000-"
        #expect(BingXVenue.venueID(long + "entry").count == 40)
        #expect(BingXVenue.venueID(long + "entry") != BingXVenue.venueID(long + "exit"))
    }
}
