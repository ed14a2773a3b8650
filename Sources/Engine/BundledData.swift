import Foundation

/// The candle sample shipped in the repository's `data/` (or installed to PREFIX/share/warden/data).
public enum BundledData {
    public static let replayFile = "BTCUSDT-1m-2021-04-02_2021-05-14.csv.gz"
    /// BTC/USDT hourly from 2017 to 2022: the history the named stress days are replayed from.
    public static let stressHistoryFile = "BTCUSDT-1h-2017-08-17_2022-10-11.csv.gz"

    /// `$WARDEN_DATA_DIR`, then `data/` (a source checkout) or `share/warden/data` (an install: the
    /// binary is PREFIX/lib/warden/releases/VERSION/warden) in an ancestor of the binary, then /usr/share/warden/data.
    public static func defaultReplayFile() -> String? { file(replayFile) }

    /// A bundled file by name, from the first data directory that has it.
    public static func file(_ name: String) -> String? {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["WARDEN_DATA_DIR"] { candidates.append(directory) }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            candidates.append(directory + "/data")
            candidates.append(directory + "/share/warden/data")
            directory = (directory as NSString).deletingLastPathComponent
        }
        candidates.append("/usr/share/warden/data")
        return candidates.map { "\($0)/\(name)" }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
