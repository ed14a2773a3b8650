import CompressNIO
import Crypto
import Foundation
import NIOCore

/// Reads an archive back to plaintext, checking every frame: a wrong key, a flipped bit, a
/// missing or extra frame or a cut-off file is an error naming the archive and where.
struct ArchiveReader {
    let path: String
    let key: SymmetricKey?

    /// Streams the plaintext to `output`; returns the plaintext size.
    @discardableResult
    func read(into output: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let source = try FileSource(path: path)
        defer { source.close() }
        let headerBytes = try source.read(exactly: ArchiveFormat.headerSize)
        guard headerBytes.count == ArchiveFormat.headerSize else {
            throw BackupError.corrupt(path, "truncated: shorter than the 64-byte header")
        }
        let header = try ArchiveFormat.Header.decode(headerBytes, archive: path)
        let decryptKey: SymmetricKey?
        switch (header.encryption, key) {
        case (.aes256gcm, nil):
            throw BackupError.keyRequired(path)
        case (.aes256gcm, let key?):
            guard ArchiveFormat.keyCheck(key: key, noncePrefix: header.noncePrefix) == header.keyCheck else {
                throw BackupError.wrongKey(path)
            }
            decryptKey = key
        case (.none, _):
            decryptKey = nil
        }
        let decompressor = header.compression == .deflate ? try ZlibDecompressor(algorithm: .deflate) : nil
        let tag = decryptKey == nil ? 0 : ArchiveFormat.tagSize
        var index: UInt32 = 0
        var total: Int64 = 0
        while true {
            let frameHeader = try source.read(exactly: ArchiveFormat.frameHeaderSize)
            if frameHeader.isEmpty {
                throw BackupError.corrupt(path, "truncated: ends after frame \(index) without the final frame")
            }
            guard frameHeader.count == ArchiveFormat.frameHeaderSize else {
                throw BackupError.corrupt(path, "truncated inside the header of frame \(index)")
            }
            let plainLength = Int(UInt32(bigEndianBytes: frameHeader[0..<4]))
            let storedField = UInt32(bigEndianBytes: frameHeader[4..<8])
            let final = storedField & ArchiveFormat.finalFlag != 0
            let storedLength = Int(storedField & ~ArchiveFormat.finalFlag)
            guard plainLength <= header.chunkSize, storedLength >= tag,
                  storedLength <= header.chunkSize + header.chunkSize / 8 + 1024 + tag
            else {
                throw BackupError.corrupt(path, "frame \(index) has implausible lengths (\(plainLength), \(storedLength))")
            }
            var body = try source.read(exactly: storedLength)
            guard body.count == storedLength else {
                throw BackupError.corrupt(path, "truncated inside frame \(index)")
            }
            if let decryptKey {
                do {
                    let box = try AES.GCM.SealedBox(
                        nonce: ArchiveFormat.nonce(prefix: header.noncePrefix, index: index),
                        ciphertext: body.dropLast(tag), tag: body.suffix(tag))
                    body = try Array(AES.GCM.open(
                        box, using: decryptKey,
                        authenticating: ArchiveFormat.additionalData(header: headerBytes, index: index, frameHeader: frameHeader)))
                } catch {
                    throw BackupError.corrupt(path, "frame \(index) failed authentication (corrupted or tampered with)")
                }
            }
            if let decompressor {
                var input = ByteBuffer(bytes: body)
                var plain = ByteBufferAllocator().buffer(capacity: max(plainLength, 1))
                do {
                    try decompressor.reset()
                    try decompressor.inflate(from: &input, to: &plain)
                } catch {
                    throw BackupError.corrupt(path, "frame \(index) does not decompress (\(error))")
                }
                guard plain.readableBytes == plainLength, input.readableBytes == 0 else {
                    throw BackupError.corrupt(path, "frame \(index) decompresses to \(plain.readableBytes) bytes, expected \(plainLength)")
                }
                try plain.readableBytesView.withUnsafeBytes(output)
            } else {
                guard body.count == plainLength else {
                    throw BackupError.corrupt(path, "frame \(index) holds \(body.count) bytes, expected \(plainLength)")
                }
                try body.withUnsafeBytes(output)
            }
            total += Int64(plainLength)
            index += 1
            if final { break }
        }
        if try !source.read(exactly: 1).isEmpty {
            throw BackupError.corrupt(path, "unexpected data after the final frame")
        }
        return total
    }
}
