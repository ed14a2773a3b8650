import WardenCore

/// A runbook: Markdown for a person, with steps Warden can run (see runbooks/README.md).
public struct Runbook: Sendable, Equatable {
    public var name: String
    public var title: String
    /// The alert rules it answers (empty for a procedure).
    public var alerts: [String]
    /// Defaults of the `{name}` placeholders in steps.
    public var parameters: [String: String]
    public var steps: [Step]
    /// What the supervisor does by itself when one of `alerts` fires; nil for people only.
    public var recovery: Recovery?
    /// The Markdown as written, for `warden runbook show`.
    public var text: String
    /// The file it came from.
    public var path: String

    public struct Step: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            /// `warden` with these arguments.
            case run([String])
            /// A PromQL expression over the supervisor's metrics that must hold.
            case check(String)
        }

        public var name: String
        public var action: Action
        public var destructive: Bool
        /// For `run`: the exit status expected, text the output must hold and text it must not.
        public var exitStatus: Int32
        public var contains: String?
        public var absent: String?
        /// For `check`: how long to poll for it to hold.
        public var within: Duration?
        /// The automatic-recovery stage it belongs to (1 is tried first); nil for people only.
        public var stage: Int?
        /// Its line in the file, for messages.
        public var line: Int
    }

    public struct Recovery: Sendable, Equatable {
        public var verify: String
        public var within: Duration
        public var maxPerHour: Int
    }

    /// The steps of automatic-recovery stages, in stage order.
    public var stages: [(stage: Int, steps: [Step])] {
        let numbers = Set(steps.compactMap(\.stage)).sorted()
        return numbers.map { number in (number, steps.filter { $0.stage == number }) }
    }
}

extension Runbook.Step {
    /// The step with `{name}` placeholders filled in; a placeholder without a value is an error naming it.
    func resolved(_ values: [String: String], in runbook: String) throws(WardenError) -> Runbook.Step {
        var step = self
        switch action {
        case .run(let arguments): step.action = .run(try arguments.map { argument throws(WardenError) in try Placeholders.fill(argument, values, step: name, runbook: runbook) })
        case .check(let expression): step.action = .check(try Placeholders.fill(expression, values, step: name, runbook: runbook))
        }
        return step
    }

    /// How the step reads in a listing: `warden ctl restart engine` or `check: …`.
    public var summary: String {
        switch action {
        case .run(let arguments): "warden " + arguments.joined(separator: " ")
        case .check(let expression): "check: " + expression
        }
    }
}

extension Runbook {
    /// The `{name}` placeholders its steps use that have no default: what a run must be given.
    public var neededParameters: [String] {
        var names: Set<String> = []
        for step in steps {
            switch step.action {
            case .run(let arguments): for argument in arguments { names.formUnion(Placeholders.names(in: argument)) }
            case .check(let expression): names.formUnion(Placeholders.names(in: expression))
            }
        }
        return names.subtracting(parameters.keys).sorted()
    }
}

enum Placeholders {
    /// Every bare `{name}` in `text` (PromQL's label braces are not placeholders).
    static func names(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let key = rest[rest.index(after: open)..<close]
            if !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { names.insert(String(key)) }
            rest = rest[rest.index(after: open)...]
        }
        return names
    }

    static func fill(_ text: String, _ values: [String: String], step: String, runbook: String) throws(WardenError) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let key = String(rest[rest.index(after: open)..<close])
            // PromQL's own braces (label matchers) hold `=`, quotes or commas; a placeholder is a bare name.
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                out += rest[...open]
                rest = rest[rest.index(after: open)...]
                continue
            }
            guard let value = values[key] else {
                throw WardenError(.usage, "step '\(step)' needs {\(key)}: pass --param \(key)=VALUE", location: "runbook \(runbook)")
            }
            out += rest[..<open] + value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
