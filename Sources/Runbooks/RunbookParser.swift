import Foundation
import WardenCore
import Yams

/// Reads a runbook file: YAML front matter between `---` lines, and every fenced block whose info
/// string is `step`. A problem is an error naming the file, the line and what is wrong.
public enum RunbookParser {
    public static func parse(_ text: String, path: String) throws(WardenError) -> Runbook {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
        else { throw problem(path, 1, "a runbook starts with YAML front matter between two '---' lines") }
        let front = try mapping(lines[1..<end].joined(separator: "\n"), path, 2)
        guard let name = front["name"] as? String, !name.isEmpty else { throw problem(path, 2, "the front matter needs a name") }
        guard let title = front["title"] as? String else { throw problem(path, 2, "the front matter needs a title") }
        let alerts = try strings(front["alerts"], "alerts", path, 2)
        var parameters: [String: String] = [:]
        if let given = front["parameters"] {
            guard let map = given as? [String: Any] else { throw problem(path, 2, "parameters must be a mapping of names to default values") }
            for (key, value) in map { parameters[key] = "\(value)" }
        }
        var steps: [Runbook.Step] = []
        var index = end + 1
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") else {
                index += 1
                continue
            }
            let fence = String(trimmed.prefix { $0 == "`" || $0 == "~" })
            let info = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
            guard let close = lines[(index + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(fence) }) else {
                throw problem(path, index + 1, "a fenced block is never closed")
            }
            if info == "step" {
                steps.append(try step(lines[(index + 1)..<close].joined(separator: "\n"), path, index + 2))
            }
            index = close + 1
        }
        let recovery = try front["recovery"].map { value throws(WardenError) in try self.recovery(value, path) }
        if recovery != nil, !steps.contains(where: { $0.stage != nil }) {
            throw problem(path, 2, "recovery is set but no step has a stage")
        }
        for step in steps where step.stage != nil && recovery == nil {
            throw problem(path, step.line, "step '\(step.name)' has a stage but the front matter has no recovery section")
        }
        return Runbook(name: name, title: title, alerts: alerts, parameters: parameters, steps: steps, recovery: recovery, text: text, path: path)
    }

    static func step(_ yaml: String, _ path: String, _ line: Int) throws(WardenError) -> Runbook.Step {
        let map = try mapping(yaml, path, line)
        let known: Set<String> = ["name", "run", "check", "destructive", "expect", "within", "stage"]
        if let unknown = map.keys.sorted().first(where: { !known.contains($0) }) {
            throw problem(path, line, "unknown step key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = map["name"] as? String, !name.isEmpty else { throw problem(path, line, "a step needs a name") }
        let action: Runbook.Step.Action
        switch (map["run"], map["check"]) {
        case (let run as String, nil):
            let arguments = try words(run, path, line)
            guard !arguments.isEmpty else { throw problem(path, line, "step '\(name)': run is empty") }
            if arguments[0] == "warden" { throw problem(path, line, "step '\(name)': run takes warden's arguments, without 'warden'") }
            action = .run(arguments)
        case (nil, let check as String):
            action = .check(check)
        default:
            throw problem(path, line, "step '\(name)' needs exactly one of run (warden's arguments) or check (a PromQL expression)")
        }
        var exitStatus: Int32 = 0
        var contains: String?, absent: String?
        if let expect = map["expect"] {
            guard let expect = expect as? [String: Any] else { throw problem(path, line, "step '\(name)': expect must be a mapping (exit, contains, absent)") }
            if let unknown = expect.keys.sorted().first(where: { !["exit", "contains", "absent"].contains($0) }) {
                throw problem(path, line, "step '\(name)': unknown expect key '\(unknown)' (known: absent, contains, exit)")
            }
            if let value = expect["exit"] {
                guard let status = value as? Int, let narrow = Int32(exactly: status) else { throw problem(path, line, "step '\(name)': expect.exit must be a whole number") }
                exitStatus = narrow
            }
            contains = expect["contains"].map { "\($0)" }
            absent = expect["absent"].map { "\($0)" }
        }
        var within: Duration?
        if let text = map["within"] {
            guard let parsed = DurationText.parse("\(text)") else { throw problem(path, line, "step '\(name)': within '\(text)' is not a duration such as 30s or 2m") }
            within = parsed
        }
        var stage: Int?
        if let value = map["stage"] {
            guard let number = value as? Int, number >= 1 else { throw problem(path, line, "step '\(name)': stage must be a whole number from 1") }
            stage = number
        }
        let destructive: Bool
        switch map["destructive"] {
        case nil: destructive = false
        case let flag as Bool: destructive = flag
        default: throw problem(path, line, "step '\(name)': destructive must be true or false")
        }
        return Runbook.Step(
            name: name, action: action, destructive: destructive, exitStatus: exitStatus, contains: contains, absent: absent, within: within, stage: stage,
            line: line)
    }

    static func recovery(_ value: Any, _ path: String) throws(WardenError) -> Runbook.Recovery {
        guard let map = value as? [String: Any] else { throw problem(path, 2, "recovery must be a mapping (verify, within, max_per_hour)") }
        guard let verify = map["verify"] as? String else { throw problem(path, 2, "recovery needs verify, a PromQL expression that holds once recovered") }
        var within = Duration.seconds(60)
        if let text = map["within"] {
            guard let parsed = DurationText.parse("\(text)") else { throw problem(path, 2, "recovery.within '\(text)' is not a duration such as 60s") }
            within = parsed
        }
        var maxPerHour = 3
        if let value = map["max_per_hour"] {
            guard let number = value as? Int, number >= 1 else { throw problem(path, 2, "recovery.max_per_hour must be a whole number from 1") }
            maxPerHour = number
        }
        return Runbook.Recovery(verify: verify, within: within, maxPerHour: maxPerHour)
    }

    static func mapping(_ yaml: String, _ path: String, _ line: Int) throws(WardenError) -> [String: Any] {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: yaml)
        } catch {
            throw problem(path, line, "not valid YAML: \(error)")
        }
        guard let map = loaded as? [String: Any] else { throw problem(path, line, "expected a YAML mapping") }
        return map
    }

    static func strings(_ value: Any?, _ key: String, _ path: String, _ line: Int) throws(WardenError) -> [String] {
        guard let value else { return [] }
        guard let list = value as? [Any] else { throw problem(path, line, "\(key) must be a list") }
        return list.map { "\($0)" }
    }

    /// Splits like a shell would for plain words and quotes ('…' and "…"), nothing more: no shell runs.
    static func words(_ text: String, _ path: String, _ line: Int) throws(WardenError) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw problem(path, line, "unclosed quote in '\(text)'") }
        if inWord { words.append(current) }
        return words
    }

    static func problem(_ path: String, _ line: Int, _ message: String) -> WardenError {
        WardenError(.configuration, message, location: "\(path):\(line)")
    }
}

/// The runbooks of a directory, by name.
public struct RunbookLibrary: Sendable {
    public var directory: String
    public var runbooks: [Runbook]

    public init(directory: String) throws(WardenError) {
        self.directory = directory
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        } catch {
            throw WardenError(.configuration, "cannot read the runbooks directory: \(error.localizedDescription)", location: directory)
        }
        var runbooks: [Runbook] = []
        for file in files {
            let path = directory + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw WardenError(.configuration, "cannot read the runbook", location: path) }
            let runbook = try RunbookParser.parse(text, path: path)
            guard runbook.name + ".md" == file else {
                throw WardenError(.configuration, "the runbook is named '\(runbook.name)' but its file is \(file)", location: path)
            }
            runbooks.append(runbook)
        }
        self.runbooks = runbooks
    }

    public func runbook(_ name: String) throws(WardenError) -> Runbook {
        guard let found = runbooks.first(where: { $0.name == name }) else {
            throw WardenError(.usage, "no runbook '\(name)' (known: \(runbooks.map(\.name).joined(separator: ", ")))", location: directory)
        }
        return found
    }

    /// `$WARDEN_RUNBOOKS`, then `runbooks/` in an ancestor of the binary (a source checkout), then
    /// the installed copies under /usr/local/share and /usr/share.
    public static func defaultDirectory() -> String? {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["WARDEN_RUNBOOKS"], !directory.isEmpty { candidates.append(directory) }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            candidates.append(directory + "/runbooks")
            candidates.append(directory + "/share/warden/runbooks")
            directory = (directory as NSString).deletingLastPathComponent
        }
        candidates += ["/usr/local/share/warden/runbooks", "/usr/share/warden/runbooks"]
        var isDirectory: ObjCBool = false
        return candidates.first { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
    }
}
