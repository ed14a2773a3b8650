import CompressNIO
import Crypto
import Foundation
import NIOCore
import Synchronization

/// Turns a plaintext stream into an archive, written through `sink`; hashes what it writes.
/// Frames are independent, so a batch of them is compressed and sealed on every core at once and
/// written in order.
final class ArchiveWriter {
    private let sink: FileSink
    private let sealer: FrameSealer
    private let batchSize: Int
    private var pending: [UInt8] = []
    /// Full chunks known not to be the last one, waiting for a batch.
    private var full: [[UInt8]] = []
    private var index: UInt32 = 0
    private(set) var hasher = SHA256()
    private(set) var bytesIn: Int64 = 0
    private(set) var bytesOut: Int64 = 0

    init(sink: FileSink, key: SymmetricKey?, compressionLevel: Int, chunkSize: Int = ArchiveFormat.defaultChunkSize) throws {
        self.sink = sink
        let prefix = (0..<8).map { _ in UInt8.random(in: 0...255) }
        let header = ArchiveFormat.Header(
            encryption: key == nil ? .none : .aes256gcm, compression: compressionLevel == 0 ? .stored : .deflate,
            chunkSize: chunkSize, noncePrefix: prefix,
            keyCheck: key.map { ArchiveFormat.keyCheck(key: $0, noncePrefix: prefix) } ?? [UInt8](repeating: 0, count: 16))
        sealer = FrameSealer(
            header: header, headerBytes: header.encoded(), keyBytes: key?.withUnsafeBytes { Array($0) },
            compressionLevel: compressionLevel)
        batchSize = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        try emit(sealer.headerBytes)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        bytesIn += Int64(bytes.count)
        let chunkSize = sealer.header.chunkSize
        var offset = 0
        while offset < bytes.count {
            let take = min(chunkSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: bytes[offset..<(offset + take)])
            offset += take
            // A full chunk waits until more data proves it is not the last one.
            if pending.count == chunkSize, offset < bytes.count {
                full.append(pending)
                pending = []
                pending.reserveCapacity(chunkSize)
                if full.count == batchSize { try sealBatch(lastIsFinal: false) }
            }
        }
    }

    /// Writes the remaining frames, the last one marked final; the archive is complete (not yet synced).
    func finish() throws -> (sha256: String, size: Int64) {
        full.append(pending)
        pending = []
        try sealBatch(lastIsFinal: true)
        return (hexString(hasher.finalize()), bytesOut)
    }

    private func sealBatch(lastIsFinal: Bool) throws {
        let chunks = full
        let base = index
        let sealer = self.sealer
        let results = ResultSlots(count: chunks.count)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { slot in
            let final = lastIsFinal && slot == chunks.count - 1
            results.set(slot, Result { try sealer.seal(chunks[slot], index: base + UInt32(slot), final: final) })
        }
        for slot in chunks.indices { try emit(results.get(slot).get()) }
        index += UInt32(chunks.count)
        full.removeAll(keepingCapacity: true)
    }

    private func emit(_ bytes: [UInt8]) throws {
        hasher.update(data: bytes)
        try sink.write(bytes)
        bytesOut += Int64(bytes.count)
    }
}

/// Compresses and seals one frame; holds only immutable state, so frames can be sealed in parallel.
struct FrameSealer: Sendable {
    let header: ArchiveFormat.Header
    let headerBytes: [UInt8]
    /// The raw key: swift-crypto's SymmetricKey is not Sendable here.
    let keyBytes: [UInt8]?
    let compressionLevel: Int

    /// The frame's 8-byte header followed by its stored body.
    func seal(_ plain: [UInt8], index: UInt32, final: Bool) throws -> [UInt8] {
        var body = plain
        if compressionLevel > 0 {
            let compressor = try ZlibCompressor(
                algorithm: .deflate, configuration: ZlibConfiguration(compressionLevel: Int32(compressionLevel)))
            var input = ByteBuffer(bytes: plain)
            var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
            try compressor.deflate(from: &input, to: &output, flush: .finish)
            body = Array(output.readableBytesView)
        }
        let key = keyBytes.map { SymmetricKey(data: $0) }
        var stored = UInt32(body.count + (key == nil ? 0 : ArchiveFormat.tagSize))
        if final { stored |= ArchiveFormat.finalFlag }
        let frameHeader = UInt32(plain.count).bigEndianBytes + stored.bigEndianBytes
        if let key {
            let sealed = try AES.GCM.seal(
                body, using: key, nonce: ArchiveFormat.nonce(prefix: header.noncePrefix, index: index),
                authenticating: ArchiveFormat.additionalData(header: headerBytes, index: index, frameHeader: frameHeader))
            return frameHeader + Array(sealed.ciphertext) + Array(sealed.tag)
        }
        return frameHeader + body
    }
}

/// One result per parallel iteration, each slot written by exactly one iteration.
private final class ResultSlots: Sendable {
    private let slots: Mutex<[Result<[UInt8], any Error>?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ result: Result<[UInt8], any Error>) { slots.withLock { $0[index] = result } }

    func get(_ index: Int) -> Result<[UInt8], any Error> { slots.withLock { $0[index]! } }
}
