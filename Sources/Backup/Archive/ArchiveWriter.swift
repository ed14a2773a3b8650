import CompressNIO
import Crypto
import Foundation
import NIOCore

/// Turns a plaintext stream into an archive, written through `sink`; hashes what it writes.
final class ArchiveWriter {
    private let sink: FileSink
    private let key: SymmetricKey?
    private let header: ArchiveFormat.Header
    private let headerBytes: [UInt8]
    private let compressor: ZlibCompressor?
    private var pending: [UInt8] = []
    private var index: UInt32 = 0
    private(set) var hasher = SHA256()
    private(set) var bytesIn: Int64 = 0
    private(set) var bytesOut: Int64 = 0

    init(sink: FileSink, key: SymmetricKey?, compressionLevel: Int, chunkSize: Int = ArchiveFormat.defaultChunkSize) throws {
        self.sink = sink
        self.key = key
        let prefix = (0..<8).map { _ in UInt8.random(in: 0...255) }
        header = ArchiveFormat.Header(
            encryption: key == nil ? .none : .aes256gcm, compression: compressionLevel == 0 ? .stored : .deflate,
            chunkSize: chunkSize, noncePrefix: prefix,
            keyCheck: key.map { ArchiveFormat.keyCheck(key: $0, noncePrefix: prefix) } ?? [UInt8](repeating: 0, count: 16))
        headerBytes = header.encoded()
        compressor = compressionLevel == 0
            ? nil
            : try ZlibCompressor(algorithm: .deflate, configuration: ZlibConfiguration(compressionLevel: Int32(compressionLevel)))
        try emit(headerBytes)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        bytesIn += Int64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let take = min(header.chunkSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: bytes[offset..<(offset + take)])
            offset += take
            // A full chunk waits until more data proves it is not the last one.
            if pending.count == header.chunkSize, offset < bytes.count {
                try frame(final: false)
            }
        }
    }

    /// Writes the final frame; the archive is complete (but not yet synced) after this.
    func finish() throws -> (sha256: String, size: Int64) {
        try frame(final: true)
        let digest = hexString(hasher.finalize())
        return (digest, bytesOut)
    }

    private func frame(final: Bool) throws {
        var body = pending
        if let compressor {
            var input = ByteBuffer(bytes: pending)
            var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
            try compressor.reset()
            try compressor.deflate(from: &input, to: &output, flush: .finish)
            body = Array(output.readableBytesView)
        }
        var stored = UInt32(body.count + (key == nil ? 0 : ArchiveFormat.tagSize))
        if final { stored |= ArchiveFormat.finalFlag }
        let frameHeader = UInt32(pending.count).bigEndianBytes + stored.bigEndianBytes
        if let key {
            let sealed = try AES.GCM.seal(
                body, using: key, nonce: ArchiveFormat.nonce(prefix: header.noncePrefix, index: index),
                authenticating: ArchiveFormat.additionalData(header: headerBytes, index: index, frameHeader: frameHeader))
            body = Array(sealed.ciphertext) + Array(sealed.tag)
        }
        try emit(frameHeader)
        try emit(body)
        pending.removeAll(keepingCapacity: true)
        index += 1
    }

    private func emit(_ bytes: [UInt8]) throws {
        hasher.update(data: bytes)
        try sink.write(bytes)
        bytesOut += Int64(bytes.count)
    }
}
