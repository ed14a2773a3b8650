import Foundation
import Testing
@testable import BingX

@Suite struct SignerTests {
    @Test("an order id above 2^53 decodes exactly, as a number or a string")
    func bigIDs() throws {
        struct Order: Decodable { let orderId: BingXID }
        let id = "1736012345678901235"  // 2^53 is 9007199254740992: a Double would round this
        #expect(try JSONDecoder().decode(Order.self, from: Data(#"{"orderId": \#(id)}"#.utf8)).orderId.value == id)
        #expect(try JSONDecoder().decode(Order.self, from: Data(#"{"orderId": "\#(id)"}"#.utf8)).orderId.value == id)
        #expect(Double(id)! != Double(Int64(id)! + 1) || String(Int64(Double(id)!)) != id)
    }

    @Test("the query is sorted by name, encoded where needed, and signed as sent")
    func query() {
        let signer = BingXSigner(secretKey: "secret")
        let query = signer.signedQuery(["symbol": "BTC-USDT", "side": "BUY", "quantity": "0.001"], timestamp: 1_700_000_000_000, recvWindow: 5000)
        let unsigned = "quantity=0.001&recvWindow=5000&side=BUY&symbol=BTC-USDT&timestamp=1700000000000"
        #expect(query == unsigned + "&signature=" + signer.signature(of: unsigned))
        #expect(BingXSigner.query(["data": #"[{"a":1}]"#]) == "data=%5B%7B%22a%22%3A1%7D%5D")
    }
}
