import Foundation

/// The part of Go's text/template that alert labels and annotations use in practice:
/// `{{ $labels.name }}`, `{{ $value }}`, `{{ $externalLabels.name }}`, `{{ .Labels.name }}`,
/// `{{ .Value }}`, pipes into `humanize`, `humanize1024`, `humanizePercentage`,
/// `humanizeDuration`, `toUpper`, `toLower`, `title`, and `printf "%.2f" $value`.
/// Anything else is refused when the rules load.
public struct Template: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case text(String)
        case action(Pipeline)
    }

    enum Operand: Sendable, Hashable {
        case label(String)
        case externalLabel(String)
        case value
        case literal(String)
        case number(Double)
        /// A field of a notification's data: `.Status`, `.CommonLabels.severity`, ...
        case field(String)
    }

    struct Pipeline: Sendable, Hashable {
        var printf: String?
        var operands: [Operand]
        var functions: [String]
    }

    public struct Data: Sendable {
        public var labels: [String: String]
        public var externalLabels: [String: String]
        public var value: Double
        /// Notification templates' fields, by their dotted name.
        public var fields: [String: String]

        public init(labels: [String: String] = [:], externalLabels: [String: String] = [:], value: Double = 0, fields: [String: String] = [:]) {
            self.labels = labels
            self.externalLabels = externalLabels
            self.value = value
            self.fields = fields
        }
    }

    static let functions: Set<String> = ["humanize", "humanize1024", "humanizePercentage", "humanizeDuration", "toUpper", "toLower", "title", "len"]

    /// What a receiver's title or message can refer to (Alertmanager's notification data).
    static let notificationFields = [".Status", ".Receiver", ".ExternalURL", ".GroupKey", ".Alerts", ".Alerts.Firing", ".Alerts.Resolved"]
    static let notificationPrefixes = [".CommonLabels.", ".CommonAnnotations.", ".GroupLabels."]

    let pieces: [Piece]
    public let source: String

    /// `notification`: a receiver's text, reading Alertmanager's fields instead of one alert's.
    public init(_ source: String, notification: Bool = false) throws(PromQLError) {
        self.source = source
        var pieces: [Piece] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var text = String(rest[..<open.lowerBound])
            var inner = rest[open.upperBound...]
            guard let close = inner.range(of: "}}") else { throw PromQLError("template: unclosed action \"{{\"") }
            var body = inner[..<close.lowerBound]
            if body.hasPrefix("-") {
                body = body.dropFirst()
                while text.last?.isWhitespace == true { text.removeLast() }
            }
            var trimAfter = false
            if body.hasSuffix("-") {
                body = body.dropLast()
                trimAfter = true
            }
            if !text.isEmpty { pieces.append(.text(text)) }
            pieces.append(.action(try Self.pipeline(body.trimmingCharacters(in: .whitespaces), notification: notification)))
            inner = inner[close.upperBound...]
            if trimAfter { inner = inner.drop { $0.isWhitespace } }
            rest = inner
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
    }

    private static func pipeline(_ body: String, notification: Bool) throws(PromQLError) -> Pipeline {
        let stages = body.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let head = stages.first, !head.isEmpty else { throw PromQLError("template: empty action \"{{ \(body) }}\"") }
        var words = try words(head)
        var printf: String?
        var functionsFirst: [String] = []
        if words.first == "printf" {
            guard words.count >= 2, case .literal(let format) = try operand(words[1], notification: notification) else {
                throw PromQLError("template: printf needs a quoted format in \"{{ \(body) }}\"")
            }
            printf = format
            words.removeFirst(2)
        } else if let first = words.first, functions.contains(first), words.count == 2 {
            functionsFirst = [first]
            words.removeFirst()
        }
        var operands: [Operand] = []
        for word in words { operands.append(try operand(word, notification: notification)) }
        guard printf != nil || operands.count == 1 else { throw PromQLError("template: unsupported action \"{{ \(body) }}\"") }
        var functions = functionsFirst
        for stage in stages.dropFirst() {
            guard Self.functions.contains(stage) else {
                throw PromQLError("template: function \"\(stage)\" not defined (supported: \(Self.functions.sorted().joined(separator: ", ")))")
            }
            functions.append(stage)
        }
        return Pipeline(printf: printf, operands: operands, functions: functions)
    }

    private static func words(_ text: String) throws(PromQLError) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character == "\"" || character == "`" {
                quote = character
                current.append(character)
            } else if character.isWhitespace {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        guard quote == nil else { throw PromQLError("template: unterminated quoted string in \"\(text)\"") }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func operand(_ word: String, notification: Bool) throws(PromQLError) -> Operand {
        if notification, word.hasPrefix(".") {
            guard notificationFields.contains(word) || notificationPrefixes.contains(where: { word.hasPrefix($0) && word.count > $0.count }) else {
                throw PromQLError("template: unknown field \"\(word)\" (known: \((notificationFields + notificationPrefixes.map { $0 + "NAME" }).joined(separator: ", ")))")
            }
            return .field(word)
        }
        if word == "$value" || word == ".Value" { return .value }
        for prefix in ["$labels.", ".Labels."] where word.hasPrefix(prefix) { return .label(String(word.dropFirst(prefix.count))) }
        for prefix in ["$externalLabels.", ".ExternalLabels."] where word.hasPrefix(prefix) {
            return .externalLabel(String(word.dropFirst(prefix.count)))
        }
        if word.count >= 2, let first = word.first, first == "\"" || first == "`", word.last == first {
            return .literal(String(word.dropFirst().dropLast()).replacingOccurrences(of: "\\n", with: "\n"))
        }
        if let number = Double(word) { return .number(number) }
        throw PromQLError("template: unsupported operand \"\(word)\" (use $labels.NAME, $value or $externalLabels.NAME)")
    }

    /// Text without actions renders as itself.
    public var isConstant: Bool { !pieces.contains { if case .action = $0 { true } else { false } } }

    public func render(_ data: Data) -> String {
        if pieces.count == 1, case .text(let text) = pieces[0] { return text }
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .action(let pipeline): output += Self.run(pipeline, data)
            }
        }
        return output
    }

    private enum Item {
        case text(String)
        case number(Double)
    }

    private static func run(_ pipeline: Pipeline, _ data: Data) -> String {
        let items: [Item] = pipeline.operands.map { operand in
            switch operand {
            case .label(let name): .text(data.labels[name] ?? "")
            case .externalLabel(let name): .text(data.externalLabels[name] ?? "")
            case .value: .number(data.value)
            case .literal(let text): .text(text)
            case .number(let value): .number(value)
            case .field(let name): .text(data.fields[name] ?? "")
            }
        }
        var current: Item
        if let format = pipeline.printf {
            current = .text(GoFormat.printf(format, items.map { item -> GoFormat.Argument in
                switch item {
                case .text(let text): .text(text)
                case .number(let value): .number(value)
                }
            }))
        } else {
            current = items[0]
        }
        for function in pipeline.functions {
            current = .text(apply(function, current))
        }
        switch current {
        case .text(let text): return text
        case .number(let value): return GoFormat.value(value)
        }
    }

    private static func apply(_ function: String, _ item: Item) -> String {
        // Text is made only when a text function needs it: humanize of $value is the common case.
        func text() -> String {
            switch item {
            case .number(let value): GoFormat.value(value)
            case .text(let text): text
            }
        }
        switch function {
        case "toUpper": return text().uppercased()
        case "toLower": return text().lowercased()
        case "title": return text().capitalized
        case "len": return text()
        default: break
        }
        let number: Double? = switch item {
        case .number(let value): value
        case .text(let text): Double(text)
        }
        guard let number else { return text() }
        switch function {
        case "humanize": return Humanize.metric(number)
        case "humanize1024": return Humanize.binary(number)
        case "humanizePercentage": return GoFormat.g4(number * 100) + "%"
        case "humanizeDuration": return Humanize.duration(number)
        default: return text()
        }
    }
}
