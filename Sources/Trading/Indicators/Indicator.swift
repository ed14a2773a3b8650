/// A streaming indicator: one `update` per closed bar, O(1) each, returning nil during warm-up.
/// Every indicator reproduces TA-Lib's arithmetic (seeding, warm-up length and order of
/// floating-point operations), so streaming, batch and TA-Lib agree.
public protocol StreamingIndicator {
    associatedtype Output
    /// Bars consumed before the first output (TA-Lib's lookback).
    var lookback: Int { get }
    mutating func update(_ bar: Bar) -> Output?
}

/// What an indicator reads from a candle.
public struct Bar: Sendable, Hashable {
    public var high: Double
    public var low: Double
    public var close: Double

    public init(high: Double, low: Double, close: Double) {
        self.high = high
        self.low = low
        self.close = close
    }

    public init(close: Double) { self.init(high: close, low: close, close: close) }
}

extension StreamingIndicator {
    /// The batch form: the streaming type run over the series, nil in the warm-up cells.
    public static func batch(_ bars: [Bar], _ make: () -> Self) -> [Output?] {
        var indicator = make()
        return bars.map { indicator.update($0) }
    }
}

/// The last `capacity` values in arrival order, for O(1) windows.
struct Ring {
    private var storage: [Double]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: 0, count: capacity) }

    var capacity: Int { storage.count }

    /// Appends; returns the value that fell out when full.
    @discardableResult
    mutating func push(_ value: Double) -> Double? {
        let evicted = count == storage.count ? storage[next] : nil
        storage[next] = value
        next = (next + 1) % storage.count
        count = min(count + 1, storage.count)
        return evicted
    }

    /// The value `age` pushes ago (0 = the newest).
    func value(ago age: Int) -> Double { storage[(next - 1 - age + 2 * storage.count) % storage.count] }

    /// The oldest value still held.
    var oldest: Double { value(ago: count - 1) }
}
