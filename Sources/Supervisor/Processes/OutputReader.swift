import Foundation
import Logging

/// Reads a child's stdout or stderr pipe and logs it line by line under the child's name.
// @unchecked: immutable after init; DispatchSource is safe to cancel from any thread.
final class OutputReader: @unchecked Sendable {
    private let source: any DispatchSourceRead

    /// Longer lines are logged in pieces rather than buffered without bound.
    static let maxLine = 16 * 1024

    init(fd: Int32, child: String, stream: String, logger: Logger) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "warden.output.\(child)"))
        self.source = source
        let pending = PendingLine()
        let metadata: Logger.Metadata = ["child": "\(child)", "stream": "\(stream)"]
        // The handler holds the source until EOF cancels it, which breaks the cycle.
        source.setEventHandler {
            var chunk = [UInt8](repeating: 0, count: 8192)
            let count = read(fd, &chunk, chunk.count)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                if let rest = pending.flush() { logger.info("\(rest)", metadata: metadata) }
                source.cancel()
                return
            }
            guard count > 0 else { return }
            for line in pending.append(chunk[0..<count]) { logger.info("\(line)", metadata: metadata) }
        }
        source.setCancelHandler { close(fd) }
        source.resume()
    }
}

/// Bytes after the last newline, kept until the rest of the line arrives. Touched only on the
/// reader's serial queue.
private final class PendingLine: @unchecked Sendable {
    private var bytes: [UInt8] = []

    func append(_ chunk: ArraySlice<UInt8>) -> [String] {
        bytes.append(contentsOf: chunk)
        var lines: [String] = []
        while true {
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: bytes[..<newline], as: UTF8.self))
                bytes.removeFirst(newline + 1)
            } else if bytes.count >= OutputReader.maxLine {
                lines.append(String(decoding: bytes[..<OutputReader.maxLine], as: UTF8.self))
                bytes.removeFirst(OutputReader.maxLine)
            } else {
                return lines
            }
        }
    }

    func flush() -> String? {
        defer { bytes = [] }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
