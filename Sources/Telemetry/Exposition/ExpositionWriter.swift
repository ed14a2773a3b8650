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
            let type = format == .openMetrics100 && family.kind == .untyped ? "unknown" : family.kind.rawValue
            out += "# HELP \(familyName) \(escapeHelp(family.help))\n"
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
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
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
