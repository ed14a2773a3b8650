import Foundation
import Logging

/// Reads a child's stdout or stderr pipe and logs it line by line under the child's name.
enum OutputReader {
    /// Longer lines are logged in pieces rather than buffered without bound.
    static let maxLine = 16 * 1024

    /// Hands `fd` to the poller, which closes it at end of file.
    static func start(fd: Int32, child: String, stream: String, logger: Logger, poller: DescriptorPoller) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let pending = PendingLine()
        let metadata: Logger.Metadata = ["child": "\(child)", "stream": "\(stream)"]
        poller.watch(fd) { fd in
            var chunk = [UInt8](repeating: 0, count: 8192)
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return true }
            guard count > 0 else {
                if let rest = pending.flush() { relay(rest, logger: logger, metadata: metadata) }
                return false
            }
            for line in pending.append(chunk[0..<count]) { relay(line, logger: logger, metadata: metadata) }
            return true
        }
    }

    /// A worker's own JSON log line keeps its level, category and metadata (plus the child's
    /// name); any other line is logged as it came, at info.
    static func relay(_ line: String, logger: Logger, metadata: Logger.Metadata) {
        guard line.hasPrefix("{"),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let message = object["message"] as? String,
              let level = (object["level"] as? String).flatMap(Logger.Level.init(rawValue:))
        else {
            logger.info("\(line)", metadata: metadata)
            return
        }
        var relayed = metadata
        for (key, value) in object["metadata"] as? [String: Any] ?? [:] where relayed[key] == nil {
            relayed[key] = "\(value)"
        }
        let category = (object["category"] as? String).map { "warden.\($0)" } ?? logger.label
        Logger(label: category).log(level: level, "\(message)", metadata: relayed)
    }
}

/// Bytes after the last newline, kept until the rest of the line arrives.
// @unchecked: touched only on the poller thread.
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
