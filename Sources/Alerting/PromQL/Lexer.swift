/// Splits a PromQL expression into tokens, each with its character offset.
struct Lexer {
    enum Kind: Equatable {
        case identifier(String)
        case number(Double)
        case duration(Int64)
        case string(String)
        case symbol(String)
        case end
    }

    struct Token {
        var kind: Kind
        var position: Int
    }

    static func tokens(_ text: String) throws(PromQLError) -> [Token] {
        let characters = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        func peek(_ offset: Int = 0) -> Character? {
            index + offset < characters.count ? Character(characters[index + offset]) : nil
        }
        while index < characters.count {
            let start = index
            let character = Character(characters[index])
            if character.isWhitespace {
                index += 1
            } else if character == "#" {
                while let next = peek(), next != "\n" { index += 1 }
            } else if character.isLetter || character == "_" {
                while let next = peek(), next.isLetter || next.isNumber || next == "_" || next == ":" { index += 1 }
                let word = String(String.UnicodeScalarView(characters[start..<index]))
                switch word.lowercased() {
                case "inf": tokens.append(Token(kind: .number(.infinity), position: start))
                case "nan": tokens.append(Token(kind: .number(.nan), position: start))
                default: tokens.append(Token(kind: .identifier(word), position: start))
                }
            } else if character.isNumber || character == "." && (peek(1)?.isNumber ?? false) {
                while let next = peek(), next.isNumber || next.isLetter || next == "." || next == "_"
                    || (next == "+" || next == "-") && ["e", "E"].contains(Character(characters[index - 1])) && !isHex(characters, start) {
                    index += 1
                }
                let word = String(String.UnicodeScalarView(characters[start..<index]))
                tokens.append(Token(kind: try number(word, at: start), position: start))
            } else if character == "\"" || character == "'" || character == "`" {
                index += 1
                var value = ""
                var closed = false
                while let next = peek() {
                    index += 1
                    if next == character { closed = true; break }
                    if next == "\\" && character != "`", let escaped = peek() {
                        index += 1
                        switch escaped {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\\", "\"", "'": value.append(escaped)
                        default: value.append("\\"); value.append(escaped)
                        }
                    } else {
                        value.append(next)
                    }
                }
                guard closed else { throw PromQLError("unterminated string", at: start) }
                tokens.append(Token(kind: .string(value), position: start))
            } else {
                let two = peek(1).map { String(character) + String($0) }
                if let two, ["==", "!=", ">=", "<=", "=~", "!~"].contains(two) {
                    tokens.append(Token(kind: .symbol(two), position: start))
                    index += 2
                } else if "+-*/%^=<>(){}[],:@".contains(character) {
                    tokens.append(Token(kind: .symbol(String(character)), position: start))
                    index += 1
                } else {
                    throw PromQLError("unexpected character '\(character)'", at: start)
                }
            }
        }
        tokens.append(Token(kind: .end, position: characters.count))
        return tokens
    }

    private static func isHex(_ characters: [Unicode.Scalar], _ start: Int) -> Bool {
        characters.count > start + 1 && characters[start] == "0" && (characters[start + 1] == "x" || characters[start + 1] == "X")
    }

    /// A number (`1`, `1.5e3`, `0x1f`) or a duration (`5m`, `1h30m`, `500ms`).
    private static func number(_ word: String, at position: Int) throws(PromQLError) -> Kind {
        if let value = Double(word), !word.lowercased().hasPrefix("0x") { return .number(value) }
        if word.lowercased().hasPrefix("0x"), let value = Int64(word.dropFirst(2), radix: 16) { return .number(Double(value)) }
        if let milliseconds = duration(word) { return .duration(milliseconds) }
        throw PromQLError("bad number or duration \"\(word)\"", at: position)
    }

    /// Milliseconds in a Prometheus duration: units y w d h m s ms, largest first, each once.
    static func duration(_ word: String) -> Int64? {
        let units: [(String, Int64)] = [("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var rest = Substring(word)
        var total: Int64 = 0
        var lastUnit = -1
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            guard let index = units.firstIndex(where: { $0.0 == unit }), index > lastUnit else { return nil }
            lastUnit = index
            rest = rest.dropFirst(unit.count)
            total += value * units[index].1
        }
        return total
    }
}
