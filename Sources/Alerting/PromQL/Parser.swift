/// Parses Warden's PromQL subset into an `Expression`, checking types. Anything Prometheus has
/// that the subset leaves out (subqueries, `@`, other functions) is refused by name.
public struct Parser {
    private var tokens: [Lexer.Token]
    private var index = 0

    public static func parse(_ text: String) throws(PromQLError) -> Expression {
        var parser = Parser(tokens: try Lexer.tokens(text))
        let expression = try parser.expression(minimum: 0)
        guard case .end = parser.current.kind else { throw parser.unexpected("end of expression") }
        return expression
    }

    private init(tokens: [Lexer.Token]) { self.tokens = tokens }

    private var current: Lexer.Token { tokens[index] }

    private mutating func advance() -> Lexer.Token {
        defer { index = min(index + 1, tokens.count - 1) }
        return tokens[index]
    }

    private func unexpected(_ wanted: String) -> PromQLError {
        let found: String = switch current.kind {
        case .end: "end of input"
        case .identifier(let word): "\"\(word)\""
        case .number(let value): "number \(value)"
        case .duration: "duration"
        case .string(let text): "string \"\(text)\""
        case .symbol(let symbol): "\"\(symbol)\""
        }
        return PromQLError("expected \(wanted), found \(found)", at: current.position)
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private func isKeyword(_ word: String) -> Bool {
        if case .identifier(let found) = current.kind { return found.lowercased() == word }
        return false
    }

    private mutating func expect(_ symbol: String) throws(PromQLError) {
        guard isSymbol(symbol) else { throw unexpected("\"\(symbol)\"") }
        _ = advance()
    }

    // MARK: Binary expressions, by precedence climbing

    private var binaryOperator: BinaryOperator? {
        switch current.kind {
        case .symbol(let symbol): BinaryOperator(rawValue: symbol)
        case .identifier(let word): [BinaryOperator.and, .or, .unless].first { $0.rawValue == word.lowercased() }
        default: nil
        }
    }

    private mutating func expression(minimum: Int) throws(PromQLError) -> Expression {
        var lhs = try unary()
        while let op = binaryOperator, op.precedence >= minimum {
            let position = current.position
            _ = advance()
            var returnBool = false
            if isKeyword("bool") {
                guard op.isComparison else { throw PromQLError("bool modifier can only be used on comparison operators", at: current.position) }
                returnBool = true
                _ = advance()
            }
            var matching = VectorMatching()
            if isKeyword("on") || isKeyword("ignoring") {
                matching.on = isKeyword("on")
                _ = advance()
                matching.labels = try labelList()
                if isKeyword("group_left") || isKeyword("group_right") {
                    guard !op.isSetOperator else { throw PromQLError("no grouping allowed for \"\(op.rawValue)\" operation", at: current.position) }
                    matching.cardinality = isKeyword("group_left") ? .manyToOne : .oneToMany
                    _ = advance()
                    if isSymbol("(") { matching.include = try labelList() }
                }
            }
            // `^` is right-associative; every other operator left-associative.
            let rhs = try expression(minimum: op == .power ? op.precedence : op.precedence + 1)
            lhs = try Self.checkedBinary(op, lhs, rhs, returnBool: returnBool, matching: matching, at: position)
        }
        return lhs
    }

    private static func checkedBinary(
        _ op: BinaryOperator, _ lhs: Expression, _ rhs: Expression, returnBool: Bool, matching: VectorMatching, at position: Int
    ) throws(PromQLError) -> Expression {
        for side in [lhs, rhs] where side.type != .scalar && side.type != .vector {
            throw PromQLError("binary expression must contain only scalar and instant vector types, found \(side.type.rawValue)", at: position)
        }
        let bothVectors = lhs.type == .vector && rhs.type == .vector
        if op.isSetOperator && !bothVectors {
            throw PromQLError("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: position)
        }
        if op.isComparison && lhs.type == .scalar && rhs.type == .scalar && !returnBool {
            throw PromQLError("comparisons between scalars must use BOOL modifier", at: position)
        }
        if (!matching.labels.isEmpty || matching.on || matching.cardinality != .oneToOne) && !bothVectors {
            throw PromQLError("vector matching only allowed between instant vectors", at: position)
        }
        if case .number(let a) = lhs, case .number(let b) = rhs, !op.isComparison {
            return .number(Evaluator.arithmetic(op, a, b) ?? .nan)
        }
        return .binary(op, lhs, rhs, returnBool: returnBool, matching: matching)
    }

    private mutating func unary() throws(PromQLError) -> Expression {
        if isSymbol("-") || isSymbol("+") {
            let negative = isSymbol("-")
            let position = current.position
            _ = advance()
            // Unary minus binds more loosely than `^`: -2^2 is -4.
            let operand = try expression(minimum: BinaryOperator.power.precedence)
            guard operand.type == .scalar || operand.type == .vector else {
                throw PromQLError("unary expression only allowed on expressions of type scalar or instant vector", at: position)
            }
            guard negative else { return operand }
            if case .number(let value) = operand { return .number(-value) }
            return .negate(operand)
        }
        return try postfix(primary())
    }

    // MARK: Primary expressions

    private mutating func postfix(_ base: Expression) throws(PromQLError) -> Expression {
        var expression = base
        if isSymbol("[") {
            let position = current.position
            guard case .vector(let selector) = expression else {
                throw PromQLError("ranges only allowed for vector selectors (subqueries are outside Warden's PromQL subset)", at: position)
            }
            _ = advance()
            guard case .duration(let range) = current.kind else { throw unexpected("a range duration such as 5m") }
            _ = advance()
            if isSymbol(":") { throw PromQLError("subqueries are outside Warden's PromQL subset", at: current.position) }
            try expect("]")
            guard range > 0 else { throw PromQLError("range must be greater than zero", at: position) }
            expression = .matrix(selector, range: range)
        }
        if isKeyword("offset") {
            let position = current.position
            _ = advance()
            var sign: Int64 = 1
            if isSymbol("-") { sign = -1; _ = advance() }
            guard case .duration(let offset) = current.kind else { throw unexpected("an offset duration such as 1h") }
            _ = advance()
            switch expression {
            case .vector(var selector):
                selector.offset = sign * offset
                expression = .vector(selector)
            case .matrix(var selector, let range):
                selector.offset = sign * offset
                expression = .matrix(selector, range: range)
            default:
                throw PromQLError("offset modifier must be preceded by an instant vector selector or range vector selector", at: position)
            }
        }
        if isSymbol("@") { throw PromQLError("the @ modifier is outside Warden's PromQL subset", at: current.position) }
        if isSymbol("[") { throw PromQLError("subqueries are outside Warden's PromQL subset", at: current.position) }
        return expression
    }

    private mutating func primary() throws(PromQLError) -> Expression {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return .number(value)
        case .string(let text):
            _ = advance()
            return .string(text)
        case .symbol("("):
            _ = advance()
            let inner = try expression(minimum: 0)
            try expect(")")
            return inner
        case .symbol("{"):
            return .vector(try selector(name: nil, at: token.position))
        case .identifier(let word):
            _ = advance()
            let lower = word.lowercased()
            if let op = AggregationOperator(rawValue: lower), isSymbol("(") || isKeyword("by") || isKeyword("without") {
                return try aggregation(op, at: token.position)
            }
            if ["stddev", "stdvar", "quantile", "count_values", "group", "limitk", "limit_ratio"].contains(lower), isSymbol("(") {
                throw PromQLError("aggregation \"\(word)\" is outside Warden's PromQL subset", at: token.position)
            }
            if isSymbol("(") {
                guard let function = Function(rawValue: word) else {
                    let known = Function.outsideSubset.contains(word)
                    throw PromQLError(known ? "function \"\(word)\" is outside Warden's PromQL subset" : "unknown function \"\(word)\"", at: token.position)
                }
                return try call(function, at: token.position)
            }
            return .vector(try selector(name: word, at: token.position))
        case .duration:
            throw PromQLError("unexpected duration outside of a range or offset", at: token.position)
        default:
            throw unexpected("an expression")
        }
    }

    private mutating func selector(name: String?, at position: Int) throws(PromQLError) -> VectorSelector {
        var matchers: [LabelMatcher] = []
        if let name { matchers.append(try LabelMatcher(Labels.metricName, .equal, name)) }
        if isSymbol("{") {
            _ = advance()
            while !isSymbol("}") {
                guard case .identifier(let label) = current.kind else { throw unexpected("a label name") }
                let labelPosition = current.position
                _ = advance()
                guard case .symbol(let symbol) = current.kind, let kind = LabelMatcher.Kind(rawValue: symbol) else {
                    throw unexpected("a label matching operator (=, !=, =~ or !~)")
                }
                _ = advance()
                guard case .string(let value) = current.kind else { throw unexpected("a quoted label value") }
                _ = advance()
                if label == Labels.metricName, name != nil {
                    throw PromQLError("metric name must not be set twice: \"\(name!)\" and a __name__ matcher", at: labelPosition)
                }
                do {
                    matchers.append(try LabelMatcher(label, kind, value))
                } catch {
                    throw PromQLError(error.message, at: labelPosition)
                }
                if isSymbol(",") { _ = advance() } else if !isSymbol("}") { throw unexpected("\",\" or \"}\"") }
            }
            _ = advance()
        }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw PromQLError("vector selector must contain at least one non-empty matcher", at: position)
        }
        return VectorSelector(matchers: matchers, offset: 0)
    }

    private mutating func labelList() throws(PromQLError) -> [String] {
        try expect("(")
        var names: [String] = []
        while !isSymbol(")") {
            guard case .identifier(let name) = current.kind else { throw unexpected("a label name") }
            names.append(name)
            _ = advance()
            if isSymbol(",") { _ = advance() } else if !isSymbol(")") { throw unexpected("\",\" or \")\"") }
        }
        _ = advance()
        return names
    }

    private mutating func arguments() throws(PromQLError) -> [(Expression, Int)] {
        try expect("(")
        var arguments: [(Expression, Int)] = []
        while !isSymbol(")") {
            let position = current.position
            arguments.append((try expression(minimum: 0), position))
            if isSymbol(",") { _ = advance() } else if !isSymbol(")") { throw unexpected("\",\" or \")\"") }
        }
        _ = advance()
        return arguments
    }

    private mutating func call(_ function: Function, at position: Int) throws(PromQLError) -> Expression {
        let arguments = try arguments()
        guard arguments.count == function.arguments.count else {
            throw PromQLError("expected \(function.arguments.count) argument(s) in call to \"\(function.rawValue)\", got \(arguments.count)", at: position)
        }
        for ((argument, where_), wanted) in zip(arguments, function.arguments) where argument.type != wanted {
            throw PromQLError("expected type \(wanted.rawValue) in call to function \"\(function.rawValue)\", got \(argument.type.rawValue)", at: where_)
        }
        return .call(function, arguments.map(\.0))
    }

    private mutating func aggregation(_ op: AggregationOperator, at position: Int) throws(PromQLError) -> Expression {
        var grouping: [String] = []
        var without = false
        var modifierSeen = false
        if isKeyword("by") || isKeyword("without") {
            without = isKeyword("without")
            _ = advance()
            grouping = try labelList()
            modifierSeen = true
        }
        let arguments = try arguments()
        if !modifierSeen, isKeyword("by") || isKeyword("without") {
            without = isKeyword("without")
            _ = advance()
            grouping = try labelList()
        }
        let needsParameter = op == .topk || op == .bottomk
        guard arguments.count == (needsParameter ? 2 : 1) else {
            throw PromQLError("wrong number of arguments for aggregate expression \"\(op.rawValue)\": expected \(needsParameter ? 2 : 1), got \(arguments.count)", at: position)
        }
        let (operand, operandPosition) = arguments.last!
        guard operand.type == .vector else {
            throw PromQLError("expected type instant vector in aggregation expression, got \(operand.type.rawValue)", at: operandPosition)
        }
        if needsParameter, arguments[0].0.type != .scalar {
            throw PromQLError("expected type scalar in aggregation parameter, got \(arguments[0].0.type.rawValue)", at: arguments[0].1)
        }
        return .aggregate(op, parameter: needsParameter ? arguments[0].0 : nil, operand, grouping: grouping, without: without)
    }
}
