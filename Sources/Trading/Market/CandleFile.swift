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
        var candles: [Candle] = []
        candles.reserveCapacity(data.count / 48)
        var problems: [Problem] = []
        var lineNumber = 0
        var sawHeader = false
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                var lineEnd = end
                if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd]), as: UTF8.self)
                start = end + 1
                if line.isEmpty { continue }
                if !sawHeader {
                    sawHeader = true
                    if line.hasPrefix("timestamp") { continue }
                }
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count == 6 else {
                    problems.append(Problem(file: file, line: lineNumber, message: "expected 6 fields (timestamp,open,high,low,close,volume), found \(fields.count)"))
                    continue
                }
                guard let time = Int64(fields[0]) else {
                    problems.append(Problem(file: file, line: lineNumber, message: "timestamp '\(fields[0])' is not an integer (Unix milliseconds)"))
                    continue
                }
                var values: [Double] = []
                for (name, field) in zip(["open", "high", "low", "close", "volume"], fields.dropFirst()) {
                    if let value = Double(field), value.isFinite { values.append(value) } else {
                        problems.append(Problem(file: file, line: lineNumber, message: "\(name) '\(field)' is not a number"))
                    }
                }
                guard values.count == 5 else { continue }
                let candle = Candle(openTime: time, open: values[0], high: values[1], low: values[2], close: values[3], volume: values[4])
                if candle.high < candle.low {
                    problems.append(Problem(file: file, line: lineNumber, message: "high \(fields[2]) is below low \(fields[3])"))
                    continue
                }
                if let previous = candles.last {
                    if time == previous.openTime {
                        problems.append(Problem(file: file, line: lineNumber, message: "duplicate timestamp \(time)"))
                        continue
                    }
                    if time < previous.openTime {
                        problems.append(Problem(file: file, line: lineNumber, message: "timestamp \(time) is before the previous row's \(previous.openTime) (rows must be sorted)"))
                        continue
                    }
                }
                candles.append(candle)
            }
        }
        if candles.isEmpty && problems.isEmpty {
            problems.append(Problem(file: file, line: lineNumber, message: "no candles"))
        }
        guard problems.isEmpty else { throw Problems(problems: problems) }
        let interval = commonSpacing(candles)
        var gaps: [(after: Int64, before: Int64)] = []
        for (a, b) in zip(candles, candles.dropFirst()) where interval > 0 && b.openTime - a.openTime > interval {
            gaps.append((a.openTime, b.openTime))
        }
        return Loaded(candles: candles, interval: interval, gaps: gaps)
    }

    static func commonSpacing(_ candles: [Candle]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for (a, b) in zip(candles, candles.dropFirst()).prefix(1000) { counts[b.openTime - a.openTime, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? 0
    }
}
