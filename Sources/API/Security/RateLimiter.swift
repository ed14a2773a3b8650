import Synchronization
import WardenCore

/// Token buckets by key (a user, an address): `rate` tokens a second up to `burst`. Keys idle long
/// enough to have refilled are forgotten, so scanners cannot grow it without bound.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var at: Int64
    }

    let rate: Double
    let burst: Double
    private let now: @Sendable () -> Int64
    private let buckets = Mutex([String: Bucket]())

    init(rate: Double, burst: Double, now: @escaping @Sendable () -> Int64) {
        self.rate = rate
        self.burst = burst
        self.now = now
    }

    /// Nil when allowed (a token taken); otherwise the seconds until one is available.
    func take(_ key: String) -> Int? {
        let at = now()
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, at: at)
            bucket.tokens = min(burst, bucket.tokens + Double(max(0, at - bucket.at)) / 1000 * rate)
            bucket.at = at
            defer {
                buckets[key] = bucket
                if buckets.count > 10_000 { prune(&buckets, at: at) }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    private func prune(_ buckets: inout [String: Bucket], at: Int64) {
        let full = Int64(burst / rate * 1000)
        buckets = buckets.filter { at - $0.value.at < full }
    }
}

/// Addresses that failed authentication too often: `failures` within `window` blocks for `block`.
final class Lockout: Sendable {
    struct Entry {
        var failures: [Int64] = []
        var blockedUntil: Int64?
    }

    let failures: Int
    let window: Int64
    let block: Int64
    private let now: @Sendable () -> Int64
    private let entries = Mutex([String: Entry]())

    init(failures: Int, window: Duration, block: Duration, now: @escaping @Sendable () -> Int64) {
        self.failures = failures
        self.window = window.milliseconds
        self.block = block.milliseconds
        self.now = now
    }

    /// Seconds left on the address's block, or nil when it is not blocked.
    func blocked(_ address: String) -> Int? {
        let at = now()
        return entries.withLock { entries in
            guard let until = entries[address]?.blockedUntil else { return nil }
            guard until > at else {
                entries[address] = nil
                return nil
            }
            return Int(((until - at) + 999) / 1000)
        }
    }

    /// Records a failure; true when this one blocks the address.
    func fail(_ address: String) -> Bool {
        let at = now()
        return entries.withLock { entries in
            var entry = entries[address] ?? Entry()
            entry.failures = entry.failures.filter { $0 > at - window } + [at]
            var blocks = false
            if entry.failures.count >= failures, entry.blockedUntil == nil {
                entry.blockedUntil = at + block
                entry.failures = []
                blocks = true
            }
            entries[address] = entry
            return blocks
        }
    }

    /// Lifts a block (`warden api unblock IP`); false when the address was not blocked.
    func unblock(_ address: String) -> Bool {
        entries.withLock { entries in entries.removeValue(forKey: address)?.blockedUntil != nil }
    }

    var blockedCount: Int {
        let at = now()
        return entries.withLock { $0.values.filter { ($0.blockedUntil ?? 0) > at }.count }
    }

    var blockedAddresses: [String] {
        let at = now()
        return entries.withLock { $0.filter { ($0.value.blockedUntil ?? 0) > at }.map(\.key).sorted() }
    }
}
