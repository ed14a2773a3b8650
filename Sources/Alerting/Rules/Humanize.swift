import Foundation

/// Go's number formatting as Prometheus templates print it.
enum GoFormat {
    enum Argument {
        case text(String)
        case number(Double)
    }

    /// `%.4g`.
    static func g4(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return printf("%.4g", value)
    }

    /// C's printf for one double: what Foundation's String(format:) gives, without its locale and boxing
    /// (a rule with a humanized annotation renders it for every alert on every evaluation).
    static func printf(_ format: String, _ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            let length = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, format, $0) }
            guard length >= 0 else { return String(format: format, value) }
            guard Int(length) < buffer.count else { return String(format: format, value) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress!, count: Int(length)), as: UTF8.self)
        }
    }

    /// `%v` of a float64: shortest round-trip digits, exponent form when the decimal exponent is
    /// below −4 or at least 6 (strconv's 'g' with shortest precision).
    static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let (digits, exponent) = shortestDigits(Swift.abs(value))
        let sign = value < 0 ? "-" : ""
        if exponent < -4 || exponent >= 6 {
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            let e = Swift.abs(exponent)
            return "\(sign)\(mantissa)e\(exponent < 0 ? "-" : "+")\(e < 10 ? "0" : "")\(e)"
        }
        if exponent < 0 { return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits }
        if digits.count <= exponent + 1 { return sign + digits + String(repeating: "0", count: exponent + 1 - digits.count) }
        let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// The shortest decimal digits that round-trip, and the decimal exponent of the first one.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = "\(value)"
        var mantissa = text
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(text[..<e])
            exponent = Int(text[text.index(after: e)...])!
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integer + fraction
        exponent += integer.count - 1
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        return (digits, exponent)
    }

    /// printf with the verbs alert templates use: %s %d %f %e %g %v %% (with flags and precision).
    static func printf(_ format: String, _ arguments: [Argument]) -> String {
        var output = ""
        var remaining = arguments[...]
        var characters = format[...]
        while let percent = characters.firstIndex(of: "%") {
            output += characters[..<percent]
            characters = characters[characters.index(after: percent)...]
            let spec = characters.prefix { !"sdfeEgGvqx%".contains($0) }
            characters = characters.dropFirst(spec.count)
            guard let verb = characters.first else { output += "%!(NOVERB)"; break }
            characters = characters.dropFirst()
            if verb == "%" { output += "%"; continue }
            guard let argument = remaining.popFirst() else { output += "%!\(verb)(MISSING)"; continue }
            switch (verb, argument) {
            case ("s", .text(let text)), ("v", .text(let text)): output += text
            case ("q", .text(let text)): output += "\"\(text)\""
            case ("v", .number(let number)), ("s", .number(let number)): output += value(number)
            case ("d", .number(let number)): output += String(format: "%\(spec)lld", Int64(number))
            case (_, .number(let number)): output += printf("%\(spec)\(verb)", number)
            case (_, .text(let text)):
                if let number = Double(text) { output += String(format: "%\(spec)\(verb)", number) } else { output += "%!\(verb)(string=\(text))" }
            }
        }
        return output + characters
    }
}

/// Prometheus' humanize, humanize1024 and humanizeDuration.
enum Humanize {
    static func metric(_ input: Double) -> String {
        var value = input
        if value == 0 || value.isNaN || value.isInfinite { return GoFormat.g4(value) }
        var prefix = ""
        if Swift.abs(value) >= 1 {
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] where Swift.abs(value) >= 1000 {
                prefix = p
                value /= 1000
            }
            return GoFormat.g4(value) + prefix
        }
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] where Swift.abs(value) < 1 {
            prefix = p
            value *= 1000
        }
        return GoFormat.g4(value) + prefix
    }

    static func binary(_ input: Double) -> String {
        var value = input
        if Swift.abs(value) <= 1 || value.isNaN || value.isInfinite { return GoFormat.g4(value) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] where Swift.abs(value) >= 1024 {
            prefix = p
            value /= 1024
        }
        return GoFormat.g4(value) + prefix
    }

    static func duration(_ input: Double) -> String {
        var value = input
        if value.isNaN || value.isInfinite { return GoFormat.g4(value) }
        if value == 0 { return GoFormat.g4(value) + "s" }
        if Swift.abs(value) >= 1 {
            let sign = value < 0 ? "-" : ""
            value = Swift.abs(value)
            let whole = Int64(value)
            let seconds = whole % 60, minutes = (whole / 60) % 60, hours = (whole / 3600) % 24, days = whole / 86400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + GoFormat.g4(value) + "s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] where Swift.abs(value) < 1 {
            prefix = p
            value *= 1000
        }
        return GoFormat.g4(value) + prefix + "s"
    }
}
