import Foundation

/// A minimal Office Open XML workbook (what Excel, LibreOffice and openpyxl read): one sheet per
/// table, inline strings and numbers, in a zip archive of stored (uncompressed) entries.
public struct Workbook: Sendable {
    public var sheets: [(name: String, rows: [[CellValue]])]

    public init(sheets: [(name: String, rows: [[CellValue]])]) { self.sheets = sheets }

    public var data: Data {
        var files: [(String, Data)] = [
            ("[Content_Types].xml", Data(contentTypes.utf8)),
            ("_rels/.rels", Data(Self.rootRels.utf8)),
            ("xl/workbook.xml", Data(workbook.utf8)),
            ("xl/_rels/workbook.xml.rels", Data(workbookRels.utf8)),
            ("xl/styles.xml", Data(Self.styles.utf8)),
        ]
        for (index, sheet) in sheets.enumerated() { files.append(("xl/worksheets/sheet\(index + 1).xml", Data(Self.sheet(sheet.rows).utf8))) }
        return ZipArchive.stored(files)
    }

    static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    var contentTypes: String {
        Self.header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
            + sheets.indices.map { #"<Override PartName="/xl/worksheets/sheet\#($0 + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"# }.joined()
            + "</Types>"
    }

    static let rootRels = header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#

    var workbook: String {
        Self.header + "<workbook xmlns=\"\(Self.main)\" xmlns:r=\"\(Self.relationships)\"><sheets>"
            + sheets.enumerated().map { "<sheet name=\"\(Self.escape($0.element.name))\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }.joined()
            + "</sheets></workbook>"
    }

    var workbookRels: String {
        Self.header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"\(Self.relationships)/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined()
            + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(Self.relationships)/styles\" Target=\"styles.xml\"/></Relationships>"
    }

    static let styles = header + "<styleSheet xmlns=\"\(main)\">"
        + #"<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#

    static func sheet(_ rows: [[CellValue]]) -> String {
        var out = header + "<worksheet xmlns=\"\(main)\"><sheetData>"
        for (r, row) in rows.enumerated() {
            out += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let reference = column(c) + String(r + 1)
                switch cell {
                case .number(let x) where x.isFinite: out += "<c r=\"\(reference)\"><v>\(x.description)</v></c>"
                case .number: out += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t></t></is></c>"
                case .text(let s): out += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(s))</t></is></c>"
                }
            }
            out += "</row>"
        }
        return out + "</sheetData></worksheet>"
    }

    /// A, B, …, Z, AA, AB, …
    static func column(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let rest = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + rest))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A zip archive (PKWARE APPNOTE 6.3) of stored entries: local headers, data, central directory.
enum ZipArchive {
    static func stored(_ files: [(String, Data)]) -> Data {
        var out = Data(), central = Data()
        for (name, data) in files {
            let offset = UInt32(out.count), crc = crc32(data), nameBytes = Data(name.utf8)
            // Local file header: version 2.0, no flags, stored, 1980-01-01 00:00.
            out.append(le32(0x0403_4b50)); out.append(le16(20)); out.append(le16(0)); out.append(le16(0)); out.append(le16(0)); out.append(le16(0x21))
            out.append(le32(crc)); out.append(le32(UInt32(data.count))); out.append(le32(UInt32(data.count))); out.append(le16(UInt16(nameBytes.count))); out.append(le16(0))
            out.append(nameBytes); out.append(data)
            central.append(le32(0x0201_4b50)); central.append(le16(20)); central.append(le16(20)); central.append(le16(0)); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0x21)); central.append(le32(crc)); central.append(le32(UInt32(data.count))); central.append(le32(UInt32(data.count)))
            central.append(le16(UInt16(nameBytes.count))); central.append(le16(0)); central.append(le16(0)); central.append(le16(0)); central.append(le16(0))
            central.append(le32(0)); central.append(le32(offset)); central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.append(le32(0x0605_4b50)); out.append(le16(0)); out.append(le16(0)); out.append(le16(UInt16(files.count))); out.append(le16(UInt16(files.count)))
        out.append(le32(UInt32(central.count))); out.append(le32(centralOffset)); out.append(le16(0))
        return out
    }

    static func le16(_ v: UInt16) -> Data { Data([UInt8(v & 0xff), UInt8(v >> 8)]) }
    static func le32(_ v: UInt32) -> Data { Data([UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]) }

    /// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zip requires.
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: Data) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in data { c = table[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension PeriodStatement {
    /// Sheets: summary (label, value), trades (as the CSV), daily equity (day, closing equity).
    public var workbook: Workbook {
        var summary: [[CellValue]] = [[.text("figure"), .text("value")]]
        let numbers: [(String, Double?)] = [
            ("opening_equity", openingEquity), ("closing_equity", closingEquity), ("pnl", pnl), ("return", `return`), ("trades", Double(totals.trades)),
            ("win_rate", totals.winRate), ("profit_factor", totals.profitFactor), ("fees", totals.fees), ("sharpe", sharpe), ("sortino", sortino),
            ("max_drawdown", maxDrawdown), ("exposure", exposure),
        ]
        summary.append([.text("period"), .text(period)])
        for (name, value) in numbers { summary.append([.text(name), value.map(CellValue.number) ?? .text("")]) }
        let trades = [Self.csvHeader.map(CellValue.text)] + tradeRows
        let daily = [[CellValue.text("day"), .text("equity")]] + self.daily.map { [.text(String(Self.day(Int64($0[0])).prefix(10))), .number($0[1])] }
        return Workbook(sheets: [("summary", summary), ("trades", trades), ("daily equity", daily)])
    }
}
