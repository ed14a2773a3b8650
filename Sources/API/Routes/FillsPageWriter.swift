import Foundation
import NIOCore
import Trading
import WardenCore

/// A page of fills written straight into bytes, exactly as `JSON.encoder` (sorted keys, slashes
/// unescaped) writes `Page<RecordedFill>`: the history endpoint's hot path, where Foundation's
/// encoder was most of a request's cost. `FillsPageWriterTests` holds the two to the same bytes.
enum FillsPageWriter {
    static func page(_ fills: [RecordedFill], offset: Int, total: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 48 + fills.count * 288)
        buffer.writeStaticString("{\"items\":[")
        for (index, recorded) in fills.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            write(recorded, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "]"))
        let end = offset + fills.count
        if end < total {
            buffer.writeStaticString(",\"next_cursor\":")
            buffer.writeString(String(end))
        }
        buffer.writeStaticString(",\"total\":")
        buffer.writeString(String(total))
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// One fill, its keys in the encoder's sorted order.
    static func write(_ recorded: RecordedFill, into buffer: inout ByteBuffer) {
        let fill = recorded.fill
        buffer.writeStaticString("{\"client_order_id\":")
        string(fill.clientOrderID, into: &buffer)
        buffer.writeStaticString(",\"exchange_order_id\":")
        string(fill.exchangeOrderID, into: &buffer)
        buffer.writeStaticString(",\"fee\":")
        buffer.writeString(fill.fee.plainText)
        buffer.writeStaticString(",\"fee_asset\":")
        string(fill.feeAsset, into: &buffer)
        buffer.writeStaticString(",\"market\":")
        string(fill.market, into: &buffer)
        buffer.writeStaticString(",\"price\":")
        buffer.writeString(fill.price.plainText)
        buffer.writeStaticString(",\"quantity\":")
        buffer.writeString(fill.quantity.plainText)
        buffer.writeStaticString(",\"side\":")
        string(fill.side.rawValue, into: &buffer)
        buffer.writeStaticString(",\"strategy\":")
        string(recorded.strategy, into: &buffer)
        buffer.writeStaticString(",\"time\":")
        buffer.writeString(String(fill.time))
        buffer.writeStaticString(",\"trade_id\":")
        string(fill.tradeID, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// A JSON string: written as it is when nothing in it needs escaping (ids, symbols, names
    /// always), else by the encoder itself, so the rare case escapes exactly as everywhere else.
    static func string(_ text: String, into buffer: inout ByteBuffer) {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            buffer.writeInteger(UInt8(ascii: "\""))
            buffer.writeString(text)
            buffer.writeInteger(UInt8(ascii: "\""))
        } else {
            let escaped: Data = (try? JSON.encoder.encode(text)) ?? Data("\"\"".utf8)
            buffer.writeBytes(escaped)
        }
    }
}
