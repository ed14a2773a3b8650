import Foundation

/// Reads the Prometheus text format 0.0.4, as workers serve it, back into families, so the
/// supervisor can merge them into its own scrape. Strict: anything malformed is an error with its
/// line. Works on UTF-8 bytes: a scrape of thousands of series is parsed on every /metrics call.
public enum ExpositionParser {
    public struct ParseError: Error, Sendable, CustomStringConvertible, Equatable {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Families in `text`. With `relabel`, samples are not decoded but checked and kept as
    /// exposition lines with `child="<relabel>"` added (`renderedSamples`): the cheap path the
    /// supervisor takes for every worker on every scrape.
    public static func parse(_ text: String, relabel child: String? = nil) throws(ParseError) -> [MetricFamily] {
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var families: [MetricFamily] = []
        var index: [String: Int] = [:]

        func family(named name: String) -> Int {
            if let existing = index[name] { return existing }
            families.append(MetricFamily(name: name, kind: .untyped, help: ""))
            index[name] = families.count - 1
            return families.count - 1
        }

        // `{child="…"` once per scrape, not once per line.
        let childLabel = child.map { "{child=\"" + ExpositionWriter.escapeLabelValue($0) + "\"" }
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while bytes[end] != newline { end += 1 }
            defer { start = end + 1 }
            var cursor = start
            while cursor < end, bytes[cursor] == space || bytes[cursor] == tab { cursor += 1 }
            var stop = end
            if stop > cursor, bytes[stop - 1] == carriageReturn { stop -= 1 }
            guard cursor < stop else { continue }
            if bytes[cursor] == hash {
                guard let (keyword, name, value) = try comment(bytes[cursor..<stop], lineNumber: lineNumber) else { continue }
                let at = family(named: name)
                if keyword == "TYPE" {
                    guard let kind = MetricFamily.Kind(rawValue: value) else {
                        throw ParseError(line: lineNumber, reason: "unknown type '\(value)'")
                    }
                    families[at].kind = kind
                } else {
                    families[at].help = unescapeHelp(value)
                }
                continue
            }
            if let childLabel, let (name, line) = try relabeled(bytes, from: cursor, to: stop, childLabel: childLabel, lineNumber: lineNumber) {
                families[family(named: owner(of: name, in: index, families: families).0)].renderedSamples.append(line)
                continue
            }
            let (name, labels, value) = try sample(bytes, from: cursor, to: stop, lineNumber: lineNumber)
            let (familyName, suffix) = owner(of: name, in: index, families: families)
            let relabeled = child.map { [("child", $0)] + labels.filter { $0.0 != "child" } } ?? labels
            families[family(named: familyName)].samples.append(.init(suffix: suffix, labels: relabeled, value: value))
        }
        return families
    }

    /// A `# HELP name text` or `# TYPE name type` line; other comments are nil.
    private static func comment(_ line: ArraySlice<UInt8>, lineNumber: Int) throws(ParseError) -> (String, String, String)? {
        let parts = line.split(separator: space, maxSplits: 3, omittingEmptySubsequences: true)
        guard parts.count >= 3 else { return nil }
        let keyword = String(decoding: parts[1], as: UTF8.self)
        guard keyword == "HELP" || keyword == "TYPE" else { return nil }
        let name = String(decoding: parts[2], as: UTF8.self)
        guard isValidName(name) else { throw ParseError(line: lineNumber, reason: "invalid metric name '\(name)'") }
        return (keyword, name, parts.count > 3 ? String(decoding: parts[3], as: UTF8.self) : "")
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

    private static func sample(
        _ bytes: [UInt8], from start: Int, to end: Int, lineNumber: Int
    ) throws(ParseError) -> (String, [(String, String)], Double) {
        var cursor = start
        while cursor < end, isNameByte(bytes[cursor]) { cursor += 1 }
        let name = String(decoding: bytes[start..<cursor], as: UTF8.self)
        guard isValidName(name) else { throw ParseError(line: lineNumber, reason: "expected a metric name") }
        var labels: [(String, String)] = []
        if cursor < end, bytes[cursor] == openBrace {
            cursor += 1
            while true {
                while cursor < end, bytes[cursor] == space || bytes[cursor] == comma { cursor += 1 }
                guard cursor < end else { throw ParseError(line: lineNumber, reason: "malformed label set") }
                if bytes[cursor] == closeBrace {
                    cursor += 1
                    break
                }
                let labelStart = cursor
                while cursor < end, isNameByte(bytes[cursor]), bytes[cursor] != colon { cursor += 1 }
                guard cursor > labelStart, !isDigit(bytes[labelStart]), cursor + 1 < end, bytes[cursor] == equals,
                      bytes[cursor + 1] == quote
                else {
                    throw ParseError(line: lineNumber, reason: "malformed label set")
                }
                let label = String(decoding: bytes[labelStart..<cursor], as: UTF8.self)
                cursor += 2
                var value: [UInt8] = []
                var closed = false
                while cursor < end {
                    let byte = bytes[cursor]
                    cursor += 1
                    if byte == backslash, cursor < end {
                        let escaped = bytes[cursor]
                        cursor += 1
                        switch escaped {
                        case UInt8(ascii: "n"): value.append(newline)
                        case backslash, quote: value.append(escaped)
                        default: value.append(backslash); value.append(escaped)
                        }
                    } else if byte == quote {
                        closed = true
                        break
                    } else {
                        value.append(byte)
                    }
                }
                guard closed else { throw ParseError(line: lineNumber, reason: "unterminated label value") }
                labels.append((label, String(decoding: value, as: UTF8.self)))
            }
        }
        let fields = bytes[cursor..<end].split(separator: space, omittingEmptySubsequences: true)
        guard let text = fields.first, fields.count <= 2, let value = parseValue(String(decoding: text, as: UTF8.self)) else {
            throw ParseError(line: lineNumber, reason: "expected a sample value")
        }
        return (name, labels, value)
    }

    /// The sample line with `child` added as its first label, after checking its shape; nil when
    /// the line already has a `child` label (the decoding path replaces it).
    private static func relabeled(
        _ bytes: [UInt8], from start: Int, to end: Int, childLabel: String, lineNumber: Int
    ) throws(ParseError) -> (String, String)? {
        var cursor = start
        while cursor < end, isNameByte(bytes[cursor]) { cursor += 1 }
        // Every byte scanned is a name byte: a valid name only has to start with a non-digit.
        guard cursor > start, !isDigit(bytes[start]) else { throw ParseError(line: lineNumber, reason: "expected a metric name") }
        let name = String(decoding: bytes[start..<cursor], as: UTF8.self)
        var inner = cursor..<cursor
        if cursor < end, bytes[cursor] == openBrace {
            let close = try scanLabels(bytes, from: cursor + 1, to: end, lineNumber: lineNumber)
            guard let close else { return nil }
            inner = (cursor + 1)..<close
            cursor = close + 1
        }
        while cursor < end, bytes[cursor] == space { cursor += 1 }
        var valueEnd = cursor
        while valueEnd < end, bytes[valueEnd] != space { valueEnd += 1 }
        let value = String(decoding: bytes[cursor..<valueEnd], as: UTF8.self)
        guard !value.isEmpty, parseValue(value) != nil else {
            throw ParseError(line: lineNumber, reason: "expected a sample value")
        }
        // A timestamp may follow; it is dropped, as the decoding path drops it.
        var labels = inner
        while let last = labels.last, bytes[last] == comma || bytes[last] == space { labels = labels.dropLast() }
        var line = ""
        line.reserveCapacity(name.utf8.count + childLabel.utf8.count + labels.count + value.utf8.count + 3)
        line += name
        line += childLabel
        if !labels.isEmpty {
            line += ","
            line += String(decoding: bytes[labels], as: UTF8.self)
        }
        line += "} "
        line += value
        return (name, line)
    }

    /// Checks a label set up to its `}` without decoding it; nil when it holds a `child` label.
    private static func scanLabels(_ bytes: [UInt8], from start: Int, to end: Int, lineNumber: Int) throws(ParseError) -> Int? {
        var cursor = start
        var hasChild = false
        while true {
            while cursor < end, bytes[cursor] == space || bytes[cursor] == comma { cursor += 1 }
            guard cursor < end else { throw ParseError(line: lineNumber, reason: "malformed label set") }
            if bytes[cursor] == closeBrace { return hasChild ? nil : cursor }
            let labelStart = cursor
            while cursor < end, isNameByte(bytes[cursor]), bytes[cursor] != colon { cursor += 1 }
            guard cursor > labelStart, !isDigit(bytes[labelStart]), cursor + 1 < end, bytes[cursor] == equals,
                  bytes[cursor + 1] == quote
            else {
                throw ParseError(line: lineNumber, reason: "malformed label set")
            }
            if bytes[labelStart..<cursor].elementsEqual("child".utf8) { hasChild = true }
            cursor += 2
            var closed = false
            while cursor < end {
                let byte = bytes[cursor]
                cursor += 1
                if byte == backslash {
                    cursor += 1
                } else if byte == quote {
                    closed = true
                    break
                }
            }
            guard closed else { throw ParseError(line: lineNumber, reason: "unterminated label value") }
        }
    }

    /// `\\` and `\n` in one left-to-right pass, so an escaped backslash before `n` stays literal.
    static func unescapeHelp(_ text: String) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "\\": result.append("\\")
                default: result.append("\\"); result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        if escaping { result.append("\\") }
        return result
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
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy(isNameByte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == colon
    }

    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")
    private static let comma = UInt8(ascii: ",")
    private static let equals = UInt8(ascii: "=")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let colon = UInt8(ascii: ":")
}
