import Crypto
import Foundation

/// Warden's backup archive: a 64-byte header, then frames of at most `chunkSize` plaintext bytes,
/// each compressed on its own and sealed with AES-256-GCM.
///
/// Each frame's nonce is the archive's random 8-byte prefix plus the frame's index, and its
/// additional data binds the header, the index and whether it is the last frame, so frames cannot
/// be reordered, dropped, or cut off at a frame boundary without the tag check failing.
enum ArchiveFormat {
    static let magic = Array("WARDNBK1".utf8)
    static let version: UInt8 = 1
    static let headerSize = 64
    static let frameHeaderSize = 8
    static let tagSize = 16
    static let defaultChunkSize = 1 << 20
    /// Bit 31 of a frame's stored length marks the final frame.
    static let finalFlag: UInt32 = 1 << 31

    enum Encryption: UInt8 {
        case none = 0
        case aes256gcm = 1
    }

    enum Compression: UInt8 {
        case stored = 0
        case deflate = 1
    }

    struct Header: Equatable {
        var encryption: Encryption
        var compression: Compression
        var chunkSize: Int
        var noncePrefix: [UInt8]
        var keyCheck: [UInt8]

        func encoded() -> [UInt8] {
            var bytes = ArchiveFormat.magic
            bytes += [ArchiveFormat.version, encryption.rawValue, compression.rawValue, 0]
            bytes += UInt32(chunkSize).bigEndianBytes
            bytes += noncePrefix
            bytes += keyCheck
            bytes += [UInt8](repeating: 0, count: ArchiveFormat.headerSize - bytes.count)
            return bytes
        }

        static func decode(_ bytes: [UInt8], archive: String) throws -> Header {
            guard bytes.count == headerSize, Array(bytes[0..<8]) == magic else {
                throw BackupError.corrupt(archive, "not a Warden backup archive (bad magic)")
            }
            guard bytes[8] == version else {
                throw BackupError.corrupt(archive, "archive format version \(bytes[8]) is not supported by this build (knows \(version))")
            }
            guard let encryption = Encryption(rawValue: bytes[9]), let compression = Compression(rawValue: bytes[10]) else {
                throw BackupError.corrupt(archive, "unknown encryption or compression code in the header")
            }
            let chunkSize = Int(UInt32(bigEndianBytes: bytes[12..<16]))
            guard (4096...(64 << 20)).contains(chunkSize) else {
                throw BackupError.corrupt(archive, "implausible chunk size \(chunkSize) in the header")
            }
            return Header(
                encryption: encryption, compression: compression, chunkSize: chunkSize,
                noncePrefix: Array(bytes[16..<24]), keyCheck: Array(bytes[24..<40]))
        }
    }

    /// Identifies the key without revealing it, so a wrong key is named as such instead of
    /// surfacing as a failed tag on the first frame.
    static func keyCheck(key: SymmetricKey, noncePrefix: [UInt8]) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("warden backup key check".utf8) + noncePrefix, using: key)
        return Array(Array(mac).prefix(16))
    }

    static func nonce(prefix: [UInt8], index: UInt32) throws -> AES.GCM.Nonce {
        try AES.GCM.Nonce(data: prefix + index.bigEndianBytes)
    }

    static func additionalData(header: [UInt8], index: UInt32, frameHeader: [UInt8]) -> [UInt8] {
        header + UInt64(index).bigEndianBytes + frameHeader
    }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }

    init<C: Collection>(bigEndianBytes bytes: C) where C.Element == UInt8 {
        self = bytes.reduce(Self.zero) { ($0 << 8) | Self($1) }
    }
}
