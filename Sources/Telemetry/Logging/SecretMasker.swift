import Foundation
import Synchronization

/// Removes secrets from log text: every value resolved from a secret reference, and anything that
/// looks like an Authorization header, a bearer token or an API key assignment.
public final class SecretMasker: Sendable {
    public static let mask = "***"
    private let secrets: Mutex<[String]>

    /// Values shorter than this are not masked by value (masking "1" everywhere would help no one).
    static let minimumLength = 4

    /// Credentials by shape; group 1 (the key) stays, the rest becomes the mask.
    // nonisolated(unsafe): Regex is not marked Sendable, but these are never mutated, and the
    // standard library compiles a regex's program lazily with an atomic swap, so concurrent matching is safe.
    nonisolated(unsafe) private static let patterns = [
        #/(?i)(authorization\s*[:=]\s*)\S+(?:\s+\S+)?/#,
        #/(?i)(bearer\s+)[A-Za-z0-9._~+\/=-]+/#,
        #/(?i)((?:api[_-]?key|api[_-]?secret|secret|token|password|x-bx-apikey)"?\s*[:=]\s*"?)[^\s",}&]+/#,
    ]

    public init(secrets: [String] = []) {
        self.secrets = Mutex(Self.usable(secrets))
    }

    /// Replaces the set of known secret values (on reload).
    public func update(secrets: [String]) {
        self.secrets.withLock { $0 = Self.usable(secrets) }
    }

    public func redact(_ text: String) -> String {
        var result = text
        // Longest first, so a secret containing another is masked whole.
        for secret in secrets.withLock({ $0 }) where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        // The patterns are case-insensitive regexes, costly per line: most lines (an order sent, a
        // bar done) hold none of the words they need, which a byte scan rules out first.
        guard Self.mayHoldCredential(result) else { return result }
        for pattern in Self.patterns {
            result = result.replacing(pattern) { match in match.output.1 + Self.mask }
        }
        return result
    }

    /// Words at least one of the patterns needs, lower-case ASCII.
    static let triggers: [[UInt8]] = ["authorization", "bearer", "key", "secret", "token", "password"].map { Array($0.utf8) }

    /// Whether `text` contains a trigger word, ASCII case folded.
    static func mayHoldCredential(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            triggers.contains { word in
                guard bytes.count >= word.count else { return false }
                for start in 0...(bytes.count - word.count) {
                    var index = 0
                    while index < word.count, bytes[start + index] | 0x20 == word[index] { index += 1 }
                    if index == word.count { return true }
                }
                return false
            }
        }
    }

    private static func usable(_ secrets: [String]) -> [String] {
        Array(Set(secrets.filter { $0.count >= minimumLength })).sorted { $0.count > $1.count }
    }
}
