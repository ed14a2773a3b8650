import Foundation

/// Writes metric families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.
public enum ExpositionWriter {
    public enum Format: Sendable {
        case prometheus004
        case openMetrics100

        public var contentType: String {
            switch self {
            case .prometheus004: "text/plain; version=0.0.4; charset=utf-8"
            case .openMetrics100: "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }

        /// OpenMetrics when the scrape's Accept header asks for it, as Prometheus does.
        public init(accept: String?) {
            self = (accept ?? "").contains("application/openmetrics-text") ? .openMetrics100 : .prometheus004
        }
    }

    public static func write(_ families: [MetricFamily], format: Format) -> String {
        var out = ""
        out.reserveCapacity(families.count * 160)
        for family in families {
            // OpenMetrics names a counter family without `_total`; its samples carry it.
            var familyName = family.name
            if format == .openMetrics100, family.kind == .counter, familyName.hasSuffix("_total") {
                familyName.removeLast(6)
            }
            var type = family.kind.rawValue
            if format == .openMetrics100 {
                // OpenMetrics counters must end in _total; a worker's that does not is exposed as unknown.
                if family.kind == .untyped || (family.kind == .counter && !family.name.hasSuffix("_total")) { type = "unknown" }
            }
            var help = escapeHelp(family.help)
            if format == .openMetrics100 { help = help.replacingOccurrences(of: "\"", with: "\\\"") }
            out += "# HELP \(familyName) \(help)\n"
            out += "# TYPE \(familyName) \(type)\n"
            for sample in family.samples {
                out += family.name
                out += sample.suffix
                if !sample.labels.isEmpty {
                    out += "{"
                    for (index, (name, value)) in sample.labels.enumerated() {
                        if index > 0 { out += "," }
                        out += name
                        out += "=\""
                        out += escapeLabelValue(value)
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += formatValue(sample.value)
                out += "\n"
            }
            for line in family.renderedSamples {
                out += line
                out += "\n"
            }
        }
        if format == .openMetrics100 { out += "# EOF\n" }
        return out
    }

    /// `\` → `\\`, `"` → `\"`, newline → `\n`, as both formats require in label values.
    public static func escapeLabelValue(_ value: String) -> String {
        // Byte scan: most values need no escaping, and this runs once per label per scrape.
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var escaped = String.UnicodeScalarView()
        // By scalar: a Character would fold "\r\n" into one and let a raw newline through.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": escaped.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// HELP text escapes only `\` and newline.
    static func escapeHelp(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Shortest round-trip form; integers without a fraction; `+Inf`, `-Inf`, `NaN`.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
