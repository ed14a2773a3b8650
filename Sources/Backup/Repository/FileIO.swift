import Crypto
import Foundation

/// A file being written: every short write and ENOSPC surfaces as an error naming the path,
/// and nothing reaches its final name before `commit` fsyncs and renames it.
final class FileSink {
    let temporaryPath: String
    let finalPath: String
    private var fd: Int32

    init(temporaryPath: String, finalPath: String) throws {
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io(temporaryPath, "cannot create", errno) }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw BackupError.io(temporaryPath, "cannot write", errno)
            }
            offset += written
        }
    }

    /// fsync, rename to the final name, fsync the directory: after this the file survives a crash.
    func commit() throws {
        guard fsync(fd) == 0 else { throw BackupError.io(temporaryPath, "cannot fsync", errno) }
        Foundation.close(fd)
        fd = -1
        guard rename(temporaryPath, finalPath) == 0 else { throw BackupError.io(finalPath, "cannot rename into place", errno) }
        syncDirectory(of: finalPath)
    }

    /// Removes the temporary file; used on every failure path.
    func discard() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
        unlink(temporaryPath)
    }

    deinit { if fd >= 0 { Foundation.close(fd) } }
}

/// Sequential reads of a whole file.
final class FileSource {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io(path, "cannot open", errno) }
    }

    /// Up to `count` bytes; fewer only at the end of the file.
    func read(exactly count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + filled, count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw BackupError.io(path, "cannot read", errno)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    func close() {
        if fd >= 0 { Foundation.close(fd) }
        fd = -1
    }

    deinit { close() }
}

func syncDirectory(of path: String) {
    let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directory >= 0 {
        fsync(directory)
        close(directory)
    }
}

/// Writes small files (manifests) atomically.
func writeAtomically(_ data: Data, to path: String) throws {
    let sink = try FileSink(temporaryPath: path + ".partial-\(getpid())", finalPath: path)
    do {
        try sink.write(Array(data))
        try sink.commit()
    } catch {
        sink.discard()
        throw error
    }
}

/// SHA-256 of a whole file.
func sha256(ofFile path: String) throws -> String {
    let source = try FileSource(path: path)
    var hasher = SHA256()
    while true {
        let chunk = try source.read(exactly: 1 << 20)
        if chunk.isEmpty { break }
        hasher.update(data: chunk)
    }
    return hexString(hasher.finalize())
}

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

/// Removes an SQLite database file and the files SQLite keeps beside it.
func removeSQLiteFiles(_ path: String) {
    for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
}
