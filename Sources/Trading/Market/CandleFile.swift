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
        // A plain file is parsed where the page cache has it: no copy of a year of candles.
        if let mapped = MappedFile(path), !mapped.bytes.starts(with: [0x1f, 0x8b]) {
            return try withExtendedLifetime(mapped) { try parse(mapped.bytes, file: path) }
        }
        return try readBytes(path).withUnsafeBufferPointer { try parse($0, file: path) }
    }

    /// A file's text, inflated when it is gzipped.
    public static func readText(_ path: String) throws -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// The file's bytes, inflated when gzipped.
    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw Problems(problems: [Problem(file: path, line: 0, message: "cannot read the file")])
        }
        guard raw.starts(with: [0x1f, 0x8b]) else { return [UInt8](raw) }
        var buffer = ByteBuffer(bytes: raw)
        do {
            let inflated = try buffer.decompress(with: .gzip())
            return Array(inflated.readableBytesView)
        } catch {
            throw Problems(problems: [Problem(file: path, line: 0, message: "not a valid gzip file (\(error))")])
        }
    }

    static func parse(_ data: Data, file: String) throws -> Loaded {
        try [UInt8](data).withUnsafeBufferPointer { try parse($0, file: file) }
    }

    /// Rows are parsed in chunks on every core; a file with any problem at all is parsed again in
    /// one piece, so what is reported (and its line numbers) never depends on the chunking.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, file: String) throws -> Loaded {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            throw Problems(problems: [Problem(file: file, line: 0, message: "no candles")])
        }
        let count = buffer.count
        let chunks = chunkBounds(base, count: count)
        let candles: [Candle]
        if chunks.count > 1, let parsed = parseConcurrently(base, chunks) {
            candles = parsed
        } else {
            var problems: [Problem] = []
            candles = [Candle](unsafeUninitializedCapacity: lineCount(base, 0, count)) { rows, initialized in
                (initialized, problems) = parseRows(base, 0, count, file: file, into: rows.baseAddress!, capacity: rows.count)
            }
            guard problems.isEmpty else { throw Problems(problems: problems) }
        }
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
