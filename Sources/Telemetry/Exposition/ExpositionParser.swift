import Foundation

/// Reads the Prometheus text format 0.0.4, as workers serve it, back into families, so the
/// supervisor can merge them into its own scrape. Strict: anything malformed is an error with its line.
public enum ExpositionParser {
    public struct ParseError: Error, Sendable, CustomStringConvertible, Equatable {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> [MetricFamily] {
        var families: [MetricFamily] = []
        var index: [String: Int] = [:]

        func family(named name: String, kind: MetricFamily.Kind? = nil) -> Int {
            if let existing = index[name] { return existing }
            families.append(MetricFamily(name: name, kind: kind ?? .untyped, help: ""))
            index[name] = families.count - 1
            return families.count - 1
        }

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.trimmingPrefixSpaces()
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = String(parts[2])
                guard isValidName(name) else { throw ParseError(line: lineNumber, reason: "invalid metric name '\(name)'") }
                let value = parts.count > 3 ? String(parts[3]) : ""
                let at = family(named: name)
                if parts[1] == "TYPE" {
                    guard let kind = MetricFamily.Kind(rawValue: value) else {
                        throw ParseError(line: lineNumber, reason: "unknown type '\(value)'")
                    }
                    families[at].kind = kind
                } else {
                    families[at].help = value.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\\", with: "\\")
                }
                continue
            }
            let (name, labels, value) = try sample(String(line), lineNumber: lineNumber)
            let (familyName, suffix) = owner(of: name, in: index, families: families)
            families[family(named: familyName)].samples.append(.init(suffix: suffix, labels: labels, value: value))
        }
        return families
    }

    /// Histogram and summary samples belong to the family without their suffix.
    private static func owner(of name: String, in index: [String: Int], families: [MetricFamily]) -> (String, String) {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if let at = index[base], families[at].kind == .histogram || families[at].kind == .summary {
                return (base, suffix)
            }
        }
        return (name, "")
    }

    private static func sample(_ line: String, lineNumber: Int) throws(ParseError) -> (String, [(String, String)], Double) {
        var chars = Substring(line)
        let name = String(chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        guard isValidName(name) else { throw ParseError(line: lineNumber, reason: "expected a metric name") }
        chars = chars.dropFirst(name.count)
        var labels: [(String, String)] = []
        if chars.first == "{" {
            chars = chars.dropFirst()
            while true {
                chars = chars.drop { $0 == " " || $0 == "," }
                if chars.first == "}" { chars = chars.dropFirst(); break }
                let label = String(chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                guard !label.isEmpty, chars.dropFirst(label.count).hasPrefix("=\"") else {
                    throw ParseError(line: lineNumber, reason: "malformed label set")
                }
                chars = chars.dropFirst(label.count + 2)
                var value = ""
                var closed = false
                while let character = chars.first {
                    chars = chars.dropFirst()
                    if character == "\\" {
                        guard let escaped = chars.first else { break }
                        chars = chars.dropFirst()
                        switch escaped {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: value.append("\\"); value.append(escaped)
                        }
                    } else if character == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { throw ParseError(line: lineNumber, reason: "unterminated label value") }
                labels.append((label, value))
            }
        }
        let fields = chars.split(separator: " ", omittingEmptySubsequences: true)
        guard let text = fields.first, fields.count <= 2, let value = parseValue(String(text)) else {
            throw ParseError(line: lineNumber, reason: "expected a sample value")
        }
        return (name, labels, value)
    }

    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring { drop { $0 == " " || $0 == "\t" || $0 == "\r" } }
}
