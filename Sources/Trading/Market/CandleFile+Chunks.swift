import Foundation
import Synchronization

/// Parsing rows: in chunks on every core when the file is large, or whole.
extension CandleFile {
    /// Chunk boundaries just after a newline, one chunk per core for files worth splitting.
    static func chunkBounds(_ base: UnsafePointer<UInt8>, count: Int) -> [Range<Int>] {
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
    static func lineCount(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var newlines = 0
        for index in from..<to where base[index] == 0x0A { newlines += 1 }
        return from < to && base[to - 1] != 0x0A ? newlines + 1 : newlines
    }

    /// Each chunk's rows are written straight into their place in the result (sized from the line
    /// counts), then closed up. nil when any chunk found a problem or the chunks do not join in
    /// order: the serial parse then says what.
    static func parseConcurrently(_ base: UnsafePointer<UInt8>, _ chunks: [Range<Int>]) -> [Candle]? {
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
    static func parseRows(
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
}
