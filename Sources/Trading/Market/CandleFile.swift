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

    /// One row without building strings: the timestamp by hand, the numbers with strtod (correctly
    /// rounded, so a file's decimals read back as exactly the doubles they were written from).
    private static func parseRow(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Result<Candle, RowError> {
        func text(_ from: Int, _ to: Int) -> String {
            String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
        }
        var fieldEnds: [Int] = []
        var fieldStarts = [start]
        for index in start..<end where base[index] == UInt8(ascii: ",") {
            fieldEnds.append(index)
            fieldStarts.append(index + 1)
        }
        fieldEnds.append(end)
        guard fieldStarts.count == 6 else {
            return .failure(RowError(text: "expected 6 fields (timestamp,open,high,low,close,volume), found \(fieldStarts.count)"))
        }
        var time: Int64 = 0
        var digits = 0
        var negative = false
        for index in fieldStarts[0]..<fieldEnds[0] {
            let byte = base[index]
            if byte == UInt8(ascii: "-") && index == fieldStarts[0] { negative = true; continue }
            guard byte >= 0x30 && byte <= 0x39, digits < 18 else {
                return .failure(RowError(text: "timestamp '\(text(fieldStarts[0], fieldEnds[0]))' is not an integer (Unix milliseconds)"))
            }
            time = time * 10 + Int64(byte - 0x30)
            digits += 1
        }
        if digits == 0 { return .failure(RowError(text: "timestamp '' is not an integer (Unix milliseconds)")) }
        if negative { time = -time }
        var values = (0.0, 0.0, 0.0, 0.0, 0.0)
        let names = ["open", "high", "low", "close", "volume"]
        for field in 1...5 {
            var stop: UnsafeMutablePointer<CChar>?
            let pointer = UnsafeRawPointer(base + fieldStarts[field]).assumingMemoryBound(to: CChar.self)
            let value = strtod(pointer, &stop)
            let consumed = stop.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? -1
            guard fieldStarts[field] < fieldEnds[field], consumed == fieldEnds[field], value.isFinite,
                  base[fieldStarts[field]] != 0x20, base[fieldStarts[field]] != 0x09
            else {
                return .failure(RowError(text: "\(names[field - 1]) '\(text(fieldStarts[field], fieldEnds[field]))' is not a number"))
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
            return .failure(RowError(text: "high \(text(fieldStarts[2], fieldEnds[2])) is below low \(text(fieldStarts[3], fieldEnds[3]))"))
        }
        return .success(Candle(openTime: time, open: values.0, high: values.1, low: values.2, close: values.3, volume: values.4))
    }

    static func commonSpacing(_ candles: [Candle]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for (a, b) in zip(candles, candles.dropFirst()).prefix(1000) { counts[b.openTime - a.openTime, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? 0
    }
}
