import CompressNIO
import Foundation
import NIOCore

/// Reads `timestamp,open,high,low,close,volume` CSV (timestamp = bar open, Unix ms UTC), plain or
/// gzipped. Every bad row is reported with its file and line; gaps are allowed and reported once.
public enum CandleFile {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public struct Loaded: Sendable {
        public var candles: [Candle]
        /// The most common spacing between bars, in milliseconds.
        public var interval: Int64
        /// Spans with missing bars: (last bar before, first bar after).
        public var gaps: [(after: Int64, before: Int64)]
    }

    /// Every problem in the file is collected before throwing, so one run shows them all.
    public struct Problems: Error, CustomStringConvertible, Sendable {
        public var problems: [Problem]
        public var description: String { problems.prefix(20).map(\.description).joined(separator: "\n") + (problems.count > 20 ? "\n… \(problems.count - 20) more" : "") }
    }

    public static func load(_ path: String) throws -> Loaded {
        try parse(readData(path), file: path)
    }

    /// A file's text, inflated when it is gzipped.
    public static func readText(_ path: String) throws -> String {
        String(decoding: try readData(path), as: UTF8.self)
    }

    static func readData(_ path: String) throws -> Data {
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw Problems(problems: [Problem(file: path, line: 0, message: "cannot read the file")])
        }
        var data = raw
        if raw.starts(with: [0x1f, 0x8b]) {
            var buffer = ByteBuffer(bytes: raw)
            do {
                let inflated = try buffer.decompress(with: .gzip())
                data = Data(inflated.readableBytesView)
            } catch {
                throw Problems(problems: [Problem(file: path, line: 0, message: "not a valid gzip file (\(error))")])
            }
        }
        return data
    }

    static func parse(_ data: Data, file: String) throws -> Loaded {
        var bytes = [UInt8](data)
        bytes.append(0)  // strtod stops at the NUL after the last field
        var candles: [Candle] = []
        candles.reserveCapacity(data.count / 48)
        var problems: [Problem] = []
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let count = buffer.count - 1
            var start = 0
            var lineNumber = 0
            var sawHeader = false
            while start < count {
                var end = start
                while end < count && base[end] != 0x0A { end += 1 }
                lineNumber += 1
                defer { start = end + 1 }
                var lineEnd = end
                if lineEnd > start && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == start { continue }
                if !sawHeader {
                    sawHeader = true
                    if base[start] == UInt8(ascii: "t") { continue }
                }
                switch parseRow(base, start, lineEnd) {
                case .success(let candle):
                    if let previous = candles.last {
                        if candle.openTime == previous.openTime {
                            problems.append(Problem(file: file, line: lineNumber, message: "duplicate timestamp \(candle.openTime)"))
                            continue
                        }
                        if candle.openTime < previous.openTime {
                            problems.append(Problem(
                                file: file, line: lineNumber,
                                message: "timestamp \(candle.openTime) is before the previous row's \(previous.openTime) (rows must be sorted)"))
                            continue
                        }
                    }
                    candles.append(candle)
                case .failure(let message):
                    problems.append(Problem(file: file, line: lineNumber, message: message.text))
                }
            }
            if candles.isEmpty && problems.isEmpty {
                problems.append(Problem(file: file, line: lineNumber, message: "no candles"))
            }
        }
        guard problems.isEmpty else { throw Problems(problems: problems) }
        let interval = commonSpacing(candles)
        var gaps: [(after: Int64, before: Int64)] = []
        for (a, b) in zip(candles, candles.dropFirst()) where interval > 0 && b.openTime - a.openTime > interval {
            gaps.append((a.openTime, b.openTime))
        }
        return Loaded(candles: candles, interval: interval, gaps: gaps)
    }

    struct RowError: Error { var text: String }

    /// One row without building strings or allocating: field bounds on the stack, the timestamp
    /// by hand, the numbers by `decimal` (strtod's exact result, faster) with strtod behind it.
    private static func parseRow(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Result<Candle, RowError> {
        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 7) { starts in
            // starts[i] is field i's first byte; field i ends at starts[i + 1] - 1 (the last at `end`).
            var fields = 1
            starts[0] = start
            for index in start..<end where base[index] == UInt8(ascii: ",") {
                if fields < 6 { starts[fields] = index + 1 }
                fields += 1
            }
            guard fields == 6 else {
                return .failure(RowError(text: "expected 6 fields (timestamp,open,high,low,close,volume), found \(fields)"))
            }
            starts[6] = end + 1
            func fieldEnd(_ field: Int) -> Int { starts[field + 1] - 1 }
            var time: Int64 = 0
            var digits = 0
            var negative = false
            for index in start..<fieldEnd(0) {
                let byte = base[index]
                if index == start && byte == UInt8(ascii: "-") { negative = true; continue }
                guard byte >= 0x30 && byte <= 0x39, digits < 18 else {
                    return .failure(RowError(text: "timestamp '\(text(start, fieldEnd(0)))' is not an integer (Unix milliseconds)"))
                }
                time = time * 10 + Int64(byte - 0x30)
                digits += 1
            }
            if digits == 0 { return .failure(RowError(text: "timestamp '' is not an integer (Unix milliseconds)")) }
            if negative { time = -time }
            var values = (0.0, 0.0, 0.0, 0.0, 0.0)
            for field in 1...5 {
                let from = starts[field], to = fieldEnd(field)
                guard let value = decimal(base, from, to) ?? slowDecimal(base, from, to) else {
                    let name = ["open", "high", "low", "close", "volume"][field - 1]
                    return .failure(RowError(text: "\(name) '\(text(from, to))' is not a number"))
                }
                switch field {
                case 1: values.0 = value
                case 2: values.1 = value
                case 3: values.2 = value
                case 4: values.3 = value
                default: values.4 = value
                }
            }
            guard values.1 >= values.2 else {
                return .failure(RowError(text: "high \(text(starts[2], fieldEnd(2))) is below low \(text(starts[3], fieldEnd(3)))"))
            }
            return .success(Candle(openTime: time, open: values.0, high: values.1, low: values.2, close: values.3, volume: values.4))
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    /// Plain decimals (`-?digits[.digits]`) of at most 19 significant digits whose digits, as an
    /// integer, fit in 53 bits: the digits and the power of ten are both exact doubles, so one
    /// division rounds once, exactly as strtod (Clinger's fast path). Anything else: nil.
    static func decimal(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Double? {
        var index = from
        var negative = false
        if index < to && base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        var seenDigit = false
        while index < to {
            let byte = base[index]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte >= 0x30 && byte <= 0x39 {
                seenDigit = true
                if mantissa != 0 || byte != 0x30 { digits += 1 }
                guard digits <= 19 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - 0x30)
                if seenPoint { fraction += 1 }
            } else {
                return nil
            }
            index += 1
        }
        guard seenDigit, mantissa < (1 << 53), fraction <= 22 else { return nil }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    /// strtod for what the fast path leaves (exponents, long mantissas), checked to cover the whole field.
    static func slowDecimal(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Double? {
        guard from < to, base[from] != 0x20, base[from] != 0x09 else { return nil }
        var stop: UnsafeMutablePointer<CChar>?
        let pointer = UnsafeRawPointer(base + from).assumingMemoryBound(to: CChar.self)
        let value = strtod(pointer, &stop)
        let consumed = stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? -1
        guard consumed == to, value.isFinite else { return nil }
        return value
    }

    static func commonSpacing(_ candles: [Candle]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for (a, b) in zip(candles, candles.dropFirst()).prefix(1000) { counts[b.openTime - a.openTime, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? 0
    }
}
