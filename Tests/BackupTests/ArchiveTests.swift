import Crypto
import Foundation
import Testing
import WardenCore
@testable import Backup

@Suite("Backup archive format")
struct ArchiveTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "warden-archive-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes `plain` as an archive with small chunks (so there are many frames) and returns its path.
    func archive(_ plain: [UInt8], key: SymmetricKey?, level: Int = 3, chunk: Int = 4096) throws -> String {
        let path = directory + "/\(UUID().uuidString).wbk"
        let sink = try FileSink(temporaryPath: path + ".partial", finalPath: path)
        let writer = try ArchiveWriter(sink: sink, key: key, compressionLevel: level, chunkSize: chunk)
        // Uneven writes, to cross chunk boundaries in every way.
        var offset = 0
        var step = 1
        while offset < plain.count {
            let end = min(plain.count, offset + step)
            try plain[offset..<end].withUnsafeBytes { try writer.write($0) }
            offset = end
            step = step * 3 % 10_007 + 1
        }
        let result = try writer.finish()
        try sink.commit()
        #expect(try sha256(ofFile: path) == result.sha256)
        return path
    }

    func readBack(_ path: String, key: SymmetricKey?) throws -> [UInt8] {
        var out: [UInt8] = []
        try ArchiveReader(path: path, key: key).read { out.append(contentsOf: $0) }
        return out
    }

    static func sample(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        // Half text-like (compressible), half random.
        return (0..<count).map { index in index % 2 == 0 ? UInt8(48 + index % 10) : UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("round trips every size around chunk boundaries, encrypted or not, compressed or stored", arguments: [0, 1, 4095, 4096, 4097, 8192, 50_000])
    func roundTrip(size: Int) throws {
        let plain = Self.sample(size)
        let key = SymmetricKey(size: .bits256)
        for (key, level) in [(key, 3), (key, 0), (nil, 6), (nil, 0)] as [(SymmetricKey?, Int)] {
            #expect(try readBack(archive(plain, key: key, level: level), key: key) == plain)
        }
    }

    @Test("a wrong key is named as such, and produces no output")
    func wrongKey() throws {
        let path = try archive(Self.sample(10_000), key: SymmetricKey(size: .bits256))
        var produced = 0
        #expect(throws: BackupError.self) {
            try ArchiveReader(path: path, key: SymmetricKey(size: .bits256)).read { produced += $0.count }
        }
        #expect(produced == 0)
        do {
            try ArchiveReader(path: path, key: SymmetricKey(size: .bits256)).read { _ in }
        } catch let error as BackupError {
            #expect("\(error)".contains("wrong encryption key"))
        }
    }

    @Test("any flipped byte in an encrypted archive fails authentication of that frame")
    func tamper() throws {
        let key = SymmetricKey(size: .bits256)
        let plain = Self.sample(20_000)
        let path = try archive(plain, key: key)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        for position in stride(from: 64, to: original.count, by: 997) {
            var damaged = original
            damaged[position] ^= 0x40
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect(throws: BackupError.self, "byte \(position)") { try readBack(path, key: key) }
        }
    }

    @Test("an archive cut at a frame boundary, or with a frame dropped, is reported as truncated or failed")
    func truncation() throws {
        let key = SymmetricKey(size: .bits256)
        for key in [key, nil] as [SymmetricKey?] {
            let path = try archive(Self.sample(20_000), key: key, level: 0)
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            // Stored frames of 4096 bytes: boundaries are at fixed offsets.
            let frame = 8 + 4096 + (key == nil ? 0 : 16)
            for cut in [64, 64 + frame, 64 + 2 * frame, original.count - 1] {
                try original.prefix(cut).write(to: URL(fileURLWithPath: path))
                do {
                    _ = try readBack(path, key: key)
                    Issue.record("cut at \(cut) was accepted")
                } catch let error as BackupError {
                    #expect("\(error)".contains("truncated"), "cut at \(cut): \(error)")
                }
            }
            // Drop the second frame: the index in the nonce and AAD (or the missing final flag) exposes it.
            var dropped = original.prefix(64 + frame)
            dropped.append(original.suffix(from: 64 + 2 * frame))
            try dropped.write(to: URL(fileURLWithPath: path))
            if key != nil { #expect(throws: BackupError.self) { try readBack(path, key: key) } }
        }
    }

    @Test("data after the final frame is refused")
    func trailingData() throws {
        let path = try archive(Self.sample(5000), key: nil)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data.append(contentsOf: [1, 2, 3])
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: BackupError.self) { try readBack(path, key: nil) }
    }

    @Test("keys are accepted as 64 hex digits or base64 of 32 bytes, nothing else")
    func keyText() {
        let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(BackupKeyText.decode(hex) == bytes)
        #expect(BackupKeyText.decode(hex.uppercased() + "\n") == bytes)
        #expect(BackupKeyText.decode(Data(bytes).base64EncodedString()) == bytes)
        #expect(BackupKeyText.decode(String(hex.dropLast(2))) == nil)
        #expect(BackupKeyText.decode("correct horse battery staple") == nil)
    }
}
