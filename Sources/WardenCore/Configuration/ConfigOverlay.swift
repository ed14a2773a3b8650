import Foundation
import Yams

/// `warden.yml` with an environment's overlay (`warden.<env>.yml` beside it) laid over it:
/// mappings merge key by key, anything else (a list, a value) is replaced whole. Problems name the
/// file the offending value came from.
public struct ComposedConfiguration {
    public static let environments = ["dev", "staging", "prod"]

    /// The merged document; nil for an empty file.
    public var root: Node?
    public var file: String
    public var overlay: Overlay?

    public struct Overlay: Sendable {
        public var environment: String
        public var file: String
        /// Key paths (`engine.exchange`, `children`) whose value the overlay set.
        public var paths: Set<String>
    }

    /// The file a key path's value came from.
    public func file(for keyPath: String) -> String {
        guard let overlay else { return file }
        let fromOverlay = overlay.paths.contains { path in
            keyPath == path || keyPath.hasPrefix(path + ".") || keyPath.hasPrefix(path + "[")
        }
        return fromOverlay ? overlay.file : file
    }

    /// `--env` or `WARDEN_ENV`; nil when neither is set.
    public static func selectedEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment["WARDEN_ENV"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `dir/warden.yml` → `dir/warden.prod.yml`.
    public static func overlayPath(_ path: String, environment: String) -> String {
        let url = URL(fileURLWithPath: path)
        let base = url.deletingPathExtension().lastPathComponent
        let ext = url.pathExtension.isEmpty ? "yml" : url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent("\(base).\(environment).\(ext)").path
    }

    /// Reads and merges; syntax errors and a missing overlay are reported with their file.
    public static func compose(path: String, environment: String?) throws(ConfigurationError) -> ComposedConfiguration {
        let base = try read(path)
        guard let environment else { return ComposedConfiguration(root: base, file: path) }
        guard environments.contains(environment) else {
            var message = "unknown environment '\(environment)' (--env or WARDEN_ENV): expected one of \(environments.joined(separator: ", "))"
            if let guess = DidYouMean.suggestion(for: environment, among: environments) { message += "; did you mean '\(guess)'?" }
            throw ConfigurationError(issues: [ConfigIssue(file: path, line: nil, keyPath: "", message: message)])
        }
        let overlayFile = overlayPath(path, environment: environment)
        guard FileManager.default.fileExists(atPath: overlayFile) else {
            throw ConfigurationError(issues: [ConfigIssue(
                file: overlayFile, line: nil, keyPath: "",
                message: "environment '\(environment)' is selected but its overlay does not exist (an empty file is a valid overlay)")])
        }
        let top = try read(overlayFile)
        var paths = Set<String>()
        let merged: Node? = switch (base, top) {
        case (nil, let top): top.map { node in
            if case .mapping(let mapping) = node { mapping.compactMap(\.key.string).forEach { paths.insert($0) } }
            return node
        }
        case (let base?, nil): base
        case (let base?, let top?): merge(base, top, at: "", into: &paths)
        }
        if let top, case .mapping = top {} else if top != nil {
            throw ConfigurationError(issues: [ConfigIssue(file: overlayFile, line: top?.mark?.line, keyPath: "", message: "an overlay must be a mapping, as warden.yml is")])
        }
        return ComposedConfiguration(root: merged, file: path, overlay: Overlay(environment: environment, file: overlayFile, paths: paths))
    }

    static func merge(_ base: Node, _ top: Node, at path: String, into paths: inout Set<String>) -> Node {
        guard case .mapping(var merged) = base, case .mapping(let overlay) = top else {
            paths.insert(path)
            return top
        }
        for (key, value) in overlay {
            let name = key.string ?? ""
            let child = path.isEmpty ? name : "\(path).\(name)"
            if let index = merged.firstIndex(where: { $0.key == key }) {
                // The overlay's key too: its line is where the value now comes from.
                merged[index] = (key, merge(merged[index].value, value, at: child, into: &paths))
            } else {
                merged[key] = value
                paths.insert(child)
            }
        }
        return .mapping(merged)
    }

    static func read(_ path: String) throws(ConfigurationError) -> Node? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw ConfigurationError(issues: [ConfigIssue(file: path, line: nil, keyPath: "", message: "cannot read configuration file: \(reason)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigIssue(file: path, line: nil, keyPath: "", message: "configuration file is not UTF-8 text")])
        }
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(issues: [ConfigurationLoader.syntaxIssue(error, file: path)])
        }
    }
}
