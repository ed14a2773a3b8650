import Foundation

/// Parses and prints durations the way operators write them: `500ms`, `30s`, `5m`, `1h30m`.
public enum DurationText {
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("us", 1_000), ("ns", 1), ("h", 3_600_000_000_000),
        ("m", 60_000_000_000), ("s", 1_000_000_000), ("d", 86_400_000_000_000),
    ]

    /// The duration written in `text`, or nil when it is not one.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return .zero }
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            total += value * Double(unit.nanoseconds)
        }
        guard total.isFinite, total < Double(Int64.max) else { return nil }
        return .nanoseconds(Int64(total))
    }

    /// A short human form: `250ms`, `30s`, `5m`, `2h`, or seconds with a fraction.
    public static func format(_ duration: Duration) -> String {
        let ns = duration.nanoseconds
        for (suffix, size) in [("h", Int64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000)]
        where ns != 0 && ns % size == 0 {
            return "\(ns / size)\(suffix)"
        }
        return ns == 0 ? "0s" : "\(duration.seconds)s"
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating; durations here are far below 292 years).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }

    /// The duration in milliseconds, the unit of every stored time.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    /// The duration in microseconds, as sd_notify's `*_USEC` fields want it.
    public var microseconds: Int64 { nanoseconds / 1_000 }

    /// The duration in seconds as a floating-point number.
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}
