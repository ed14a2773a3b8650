import CompressNIO
import Foundation
import NIOCore
import Synchronization

/// A whole regular file mapped read-only (pages prefaulted), unmapped when released.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>

    init?(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else { return nil }
        let length = Int(info.st_size)
        guard let address = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), address != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: length)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

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

    /// Chunk boundaries just after a newline, one chunk per core for files worth splitting.
    private static func chunkBounds(_ base: UnsafePointer<UInt8>, count: Int) -> [Range<Int>] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= 1 << 20 else { return [0..<count] }
        var bounds: [Range<Int>] = []
        var start = 0
        for part in 1...cores {
            var end = part == cores ? count : count / cores * part
            while end < count && end > start && base[end - 1] != 0x0A { end += 1 }
            if end > start { bounds.append(start..<end) }
            start = end
        }
        return bounds
    }

    /// Lines in `from..<to`, a last one without a newline included: no range holds more rows.
    private static func lineCount(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var newlines = 0
        for index in from..<to where base[index] == 0x0A { newlines += 1 }
        return from < to && base[to - 1] != 0x0A ? newlines + 1 : newlines
    }

    /// Each chunk's rows are written straight into their place in the result (sized from the line
    /// counts), then closed up. nil when any chunk found a problem or the chunks do not join in
    /// order: the serial parse then says what.
    private static func parseConcurrently(_ base: UnsafePointer<UInt8>, _ chunks: [Range<Int>]) -> [Candle]? {
        let input = UInt(bitPattern: base)
        let lines = Mutex([Int](repeating: 0, count: chunks.count))
        DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
            let count = lineCount(UnsafePointer(bitPattern: input)!, chunks[index].lowerBound, chunks[index].upperBound)
            lines.withLock { $0[index] = count }
        }
        let capacities = lines.withLock { $0 }
        let offsets = capacities.reduce(into: [0]) { $0.append($0.last! + $1) }
        var clean = true
        let candles = [Candle](unsafeUninitializedCapacity: offsets.last!) { rows, initialized in
            let output = UInt(bitPattern: rows.baseAddress!)
            let written = Mutex([Int](repeating: 0, count: chunks.count))
            let failed = Atomic(false)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
                let (count, problems) = parseRows(
                    UnsafePointer(bitPattern: input)!, chunks[index].lowerBound, chunks[index].upperBound, file: "", header: index == 0,
                    into: UnsafeMutablePointer<Candle>(bitPattern: output)! + offsets[index], capacity: capacities[index])
                if !problems.isEmpty || count == 0 { failed.store(true, ordering: .relaxed) }
                written.withLock { $0[index] = count }
            }
            clean = !failed.load(ordering: .relaxed)
            let counts = written.withLock { $0 }
            let start = rows.baseAddress!
            var cursor = 0
            for index in chunks.indices where clean {
                // Closing the gap a header or blank line left: an overlapping move, which moveInitialize allows.
                if cursor != offsets[index] { (start + cursor).moveInitialize(from: start + offsets[index], count: counts[index]) }
                if index > 0 && start[cursor - 1].openTime >= start[cursor].openTime { clean = false }
                cursor += counts[index]
            }
            initialized = clean ? cursor : 0  // candles are plain values: nothing to deinitialize
        }
        return clean ? candles : nil
    }

    /// Parses the rows in `from..<to` (whole lines) into `output`; `header` allows a header as the
    /// first non-empty line. Returns how many candles were written.
    private static func parseRows(
        _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, file: String, header: Bool = true,
        into output: UnsafeMutablePointer<Candle>, capacity: Int
    ) -> (written: Int, problems: [Problem]) {
        var written = 0
        var problems: [Problem] = []
        var start = from
        var lineNumber = 0
        var sawHeader = !header
        while start < to {
            let newline = memchr(base + start, 0x0A, to - start)
            let end = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? to
            lineNumber += 1
            defer { start = end + 1 }
            var lineEnd = end
            if lineEnd > start && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd == start { continue }
            if !sawHeader {
                sawHeader = true
                if base[start] == UInt8(ascii: "t") { continue }
            }
            switch fastRow(base, start, lineEnd).map({ Result.success($0) }) ?? parseRow(base, start, lineEnd) {
            case .success(let candle):
                if written > 0 {
                    let previous = output[written - 1]
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
                precondition(written < capacity, "more rows than lines")
                (output + written).initialize(to: candle)
                written += 1
            case .failure(let message):
                problems.append(Problem(file: file, line: lineNumber, message: message.text))
            }
        }
        if written == 0 && problems.isEmpty {
            problems.append(Problem(file: file, line: lineNumber, message: "no candles"))
        }
        return (written, problems)
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

    /// The common row in one pass: an unsigned integer timestamp and five plain decimals that
    /// `decimal` would accept, high ≥ low. Anything else (including every bad row) is nil, and
    /// `parseRow` decides, so both give the same candles and the same messages.
    @inline(__always)
    private static func fastRow(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Candle? {
        var index = start
        var time: Int64 = 0
        var digits = 0
        while index < end {
            let digit = base[index] &- 0x30
            guard digit < 10 else { break }
            guard digits < 18 else { return nil }
            time = time &* 10 &+ Int64(digit)
            digits += 1
            index += 1
        }
        guard digits > 0, index < end, base[index] == UInt8(ascii: ",") else { return nil }
        index += 1
        var values = (0.0, 0.0, 0.0, 0.0, 0.0)
        for field in 0..<5 {
            var negative = false
            if index < end && base[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            var mantissa: UInt64 = 0
            var significant = 0
            var fraction = 0
            var seenPoint = false
            var seenDigit = false
            while index < end {
                let byte = base[index]
                let digit = byte &- 0x30
                if digit < 10 {
                    seenDigit = true
                    if mantissa != 0 || digit != 0 { significant += 1 }
                    guard significant <= 19 else { return nil }
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if seenPoint { fraction += 1 }
                } else if byte == UInt8(ascii: ".") && !seenPoint {
                    seenPoint = true
                } else {
                    break
                }
                index += 1
            }
            guard seenDigit, mantissa < (1 << 53), fraction <= 22 else { return nil }
            if field < 4 {
                guard index < end, base[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            } else {
                guard index == end else { return nil }
            }
            var value = Double(mantissa) / exactPowerOfTen(fraction)
            if negative { value = -value }
            switch field {
            case 0: values.0 = value
            case 1: values.1 = value
            case 2: values.2 = value
            case 3: values.3 = value
            default: values.4 = value
            }
        }
        guard values.1 >= values.2 else { return nil }
        return Candle(openTime: time, open: values.0, high: values.1, low: values.2, close: values.3, volume: values.4)
    }

    /// 10^exponent for 0...22, all exact doubles.
    @inline(__always)
    private static func exactPowerOfTen(_ exponent: Int) -> Double {
        withUnsafePointer(to: exactPowersOfTen) { $0.withMemoryRebound(to: Double.self, capacity: 23) { $0[exponent] } }
    }

    private static let exactPowersOfTen: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                                          Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
        (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22)

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

    /// strtod for what the fast path leaves (exponents, long mantissas), checked to cover the whole
    /// field. The field is copied out with a NUL after it: the input need not be NUL-terminated.
    static func slowDecimal(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Double? {
        guard from < to, to - from < 512, base[from] != 0x20, base[from] != 0x09 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: to - from + 1) { field in
            let start = field.baseAddress!
            UnsafeMutableRawPointer(start).copyMemory(from: base + from, byteCount: to - from)
            start[to - from] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(start, &stop)
            guard stop == start + (to - from), value.isFinite else { return nil }
            return value
        }
    }

    static func commonSpacing(_ candles: [Candle]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for (a, b) in zip(candles, candles.dropFirst()).prefix(1000) { counts[b.openTime - a.openTime, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? 0
    }
}
