import Foundation
import WardenCore
import Yams

/// `alerting:` in warden.yml: rule files and evaluation interval (Prometheus' side), and route,
/// receivers, inhibit_rules and time_intervals in Alertmanager's schema.
public struct AlertingConfig: Sendable {
    public var evaluationInterval: Int64 = 15_000
    /// Empty: the default rule set shipped with Warden.
    public var ruleFiles: [String] = []
    public var externalLabels: [String: String] = [:]
    public var route: Route
    public var receivers: [String: ReceiverConfig]
    public var inhibitRules: [InhibitRule] = []
    public var timeIntervals: [String: [TimeIntervalSpec]] = [:]
    /// Alertmanager base URLs to forward alerts to (`/api/v2/alerts` is appended).
    public var alertmanagers: [String] = []
    /// Where runbook links point: the rules' `runbook_url`s under `RuleGroup.defaultRunbookBase`
    /// are rewritten to this base (an internal wiki, a file share) in what the supervisor sends.
    public var runbookBaseURL: String = RuleGroup.defaultRunbookBase

    /// With no `alerting:` section: rules evaluated and alerts kept, nothing sent.
    public static let none = AlertingConfig(
        route: Route(receiver: "none", matchers: [], continueMatching: false, groupBy: ["alertname"], groupWait: 30_000,
                     groupInterval: 300_000, repeatInterval: 14_400_000, muteTimeIntervals: [], activeTimeIntervals: [], routes: [], id: "{}"),
        receivers: ["none": ReceiverConfig(name: "none", integrations: [])])

    /// Reads `alerting:` from the configuration file at `path` (nil: the embedded defaults).
    public static func load(path: String?, secrets: SecretResolver = SecretResolver()) throws(ConfigurationError) -> AlertingConfig {
        guard let path else { return .none }
        let document = try ComposedConfiguration.compose(path: path, environment: ComposedConfiguration.selectedEnvironment())
        let walker = YAMLWalker(document: document)
        guard let node = document.root?["alerting"] else { return .none }
        var config = parse(node, walker: walker, secrets: secrets, directory: (path as NSString).deletingLastPathComponent)
        if walker.issues.isEmpty, config.ruleFiles.isEmpty == false {
            // Rule files are loaded now, so a bad rule stops the start rather than half-configuring.
            do { _ = try RuleFile.load(config.ruleFiles) } catch { throw error }
        }
        guard walker.issues.isEmpty else { throw ConfigurationError(issues: walker.issues) }
        return config
    }

    static let keys = [
        "evaluation_interval", "rule_files", "external_labels", "route", "receivers", "inhibit_rules", "time_intervals", "alertmanagers", "runbook_base_url",
    ]

    static func parse(_ node: Node, walker: YAMLWalker, secrets: SecretResolver, directory: String) -> AlertingConfig {
        var config = AlertingConfig.none
        config.receivers = [:]
        var routeNode: Node?
        var receiverNames: [String] = []
        for (key, value) in walker.mapping(node, path: "alerting", known: keys) {
            let path = "alerting.\(key)"
            switch key {
            case "evaluation_interval":
                if let interval = walker.duration(value, path: path) {
                    if interval < 1000 { walker.report("must be at least 1s", at: value, path: path) } else { config.evaluationInterval = interval }
                }
            case "rule_files":
                config.ruleFiles = walker.sequence(value, path: path).compactMap { walker.string($0, path: path) }
                    .map { $0.hasPrefix("/") ? $0 : (directory as NSString).appendingPathComponent($0) }
            case "external_labels":
                config.externalLabels = Dictionary(walker.stringMap(value, path: path).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            case "route": routeNode = value
            case "receivers":
                for (index, receiverNode) in walker.sequence(value, path: path).enumerated() {
                    guard let receiver = receiver(receiverNode, path: "\(path)[\(index)]", walker: walker, secrets: secrets) else { continue }
                    if config.receivers[receiver.name] != nil {
                        walker.report("receiver '\(receiver.name)' is defined twice", at: receiverNode, path: "\(path)[\(index)].name")
                    }
                    config.receivers[receiver.name] = receiver
                    receiverNames.append(receiver.name)
                }
            case "inhibit_rules":
                for (index, ruleNode) in walker.sequence(value, path: path).enumerated() {
                    let at = "\(path)[\(index)]"
                    var rule = InhibitRule(sourceMatchers: [], targetMatchers: [], equal: [])
                    for (field, fieldNode) in walker.mapping(ruleNode, path: at, known: ["source_matchers", "target_matchers", "equal"]) {
                        switch field {
                        case "source_matchers": rule.sourceMatchers = matchers(fieldNode, path: "\(at).\(field)", walker: walker)
                        case "target_matchers": rule.targetMatchers = matchers(fieldNode, path: "\(at).\(field)", walker: walker)
                        default: rule.equal = walker.sequence(fieldNode, path: "\(at).equal").compactMap { walker.string($0, path: "\(at).equal") }
                        }
                    }
                    config.inhibitRules.append(rule)
                }
            case "time_intervals":
                for (index, entry) in walker.sequence(value, path: path).enumerated() {
                    let at = "\(path)[\(index)]"
                    let fields = Dictionary(walker.mapping(entry, path: at, known: ["name", "time_intervals"]), uniquingKeysWith: { a, _ in a })
                    guard let name = walker.string(fields["name"], path: "\(at).name") else {
                        walker.report("a time interval needs a name", at: entry, path: at)
                        continue
                    }
                    config.timeIntervals[name] = walker.sequence(fields["time_intervals"], path: "\(at).time_intervals").enumerated().map {
                        timeInterval($1, path: "\(at).time_intervals[\($0)]", walker: walker)
                    }
                }
            case "runbook_base_url":
                if let url = walker.string(value, path: path) {
                    if url.isEmpty { walker.report("expected a URL or a path, found an empty string", at: value, path: path) }
                    config.runbookBaseURL = url.hasSuffix("/") ? url : url + "/"
                }
            case "alertmanagers":
                config.alertmanagers = walker.sequence(value, path: path).compactMap { entry in
                    guard let url = walker.string(entry, path: path) else { return nil }
                    if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                        walker.report("expected an http:// or https:// URL, found '\(url)'", at: entry, path: path)
                    }
                    return url.hasSuffix("/") ? String(url.dropLast()) : url
                }
            default: break
            }
        }
        guard let routeNode else {
            // Rules without routing: alerts are evaluated, listed and forwarded, not notified.
            if !config.receivers.isEmpty { walker.report("'route' is required when receivers are configured", at: node, path: "alerting") }
            config.route = AlertingConfig.none.route
            config.receivers = AlertingConfig.none.receivers
            return config
        }
        let defaults = Route(receiver: "", matchers: [], continueMatching: false, groupBy: ["alertname"], groupWait: 30_000,
                             groupInterval: 300_000, repeatInterval: 14_400_000, muteTimeIntervals: [], activeTimeIntervals: [], routes: [], id: "{}")
        config.route = route(routeNode, path: "alerting.route", parent: defaults, isRoot: true, walker: walker, config: config)
        return config
    }

    static func matchers(_ node: Node?, path: String, walker: YAMLWalker) -> [LabelMatcher] {
        walker.sequence(node, path: path).enumerated().compactMap { index, entry -> LabelMatcher? in
            guard let text = walker.string(entry, path: "\(path)[\(index)]") else { return nil }
            switch Result(catching: { () throws(PromQLError) in try MatcherText.parse(text) }) {
            case .success(let matcher): return matcher
            case .failure(let error):
                walker.report(error.description, at: entry, path: "\(path)[\(index)]")
                return nil
            }
        }
    }

    static func route(_ node: Node, path: String, parent: Route, isRoot: Bool, walker: YAMLWalker, config: AlertingConfig) -> Route {
        let known = ["receiver", "matchers", "match", "match_re", "continue", "group_by", "group_wait", "group_interval",
                     "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes", "failover"]
        var route = parent
        route.matchers = []
        route.continueMatching = false
        route.routes = []
        route.muteTimeIntervals = []
        route.activeTimeIntervals = []
        var children: [(Int, Node)] = []
        var receiverNode: Node?
        for (key, value) in walker.mapping(node, path: path, known: known) {
            let at = "\(path).\(key)"
            switch key {
            case "receiver":
                receiverNode = value
                route.receiver = walker.string(value, path: at) ?? route.receiver
            case "matchers": route.matchers += matchers(value, path: at, walker: walker)
            case "match", "match_re":
                for (name, text, entry) in walker.stringMap(value, path: at) {
                    do { route.matchers.append(try LabelMatcher(name, key == "match" ? .equal : .regex, text)) } catch {
                        walker.report(error.description, at: entry, path: "\(at).\(name)")
                    }
                }
            case "continue": route.continueMatching = walker.bool(value, path: at) ?? false
            case "group_by":
                let labels = walker.sequence(value, path: at).compactMap { walker.string($0, path: at) }
                route.groupBy = labels.contains("...") ? nil : labels
                if labels.contains("...") && labels.count > 1 { walker.report("'...' groups by all labels and cannot be combined with others", at: value, path: at) }
            case "group_wait": route.groupWait = walker.duration(value, path: at) ?? route.groupWait
            case "group_interval":
                if let interval = walker.duration(value, path: at) {
                    if interval <= 0 { walker.report("must be greater than 0", at: value, path: at) } else { route.groupInterval = interval }
                }
            case "repeat_interval":
                if let interval = walker.duration(value, path: at) {
                    if interval <= 0 { walker.report("must be greater than 0", at: value, path: at) } else { route.repeatInterval = interval }
                }
            case "mute_time_intervals", "active_time_intervals":
                let names = walker.sequence(value, path: at).compactMap { walker.string($0, path: at) }
                for name in names where config.timeIntervals[name] == nil {
                    walker.report("undefined time interval '\(name)'; define it under alerting.time_intervals", at: value, path: at)
                }
                if key == "mute_time_intervals" { route.muteTimeIntervals = names } else { route.activeTimeIntervals = names }
            case "routes":
                children = walker.sequence(value, path: at).enumerated().map { ($0, $1) }
            case "failover":
                route.failover = []
                for (index, entry) in walker.sequence(value, path: at).enumerated() {
                    guard let name = walker.string(entry, path: "\(at)[\(index)]") else { continue }
                    if config.receivers[name] == nil {
                        var message = "undefined receiver '\(name)' in failover"
                        if let guess = DidYouMean.suggestion(for: name, among: Array(config.receivers.keys)) { message += "; did you mean '\(guess)'?" }
                        walker.report(message, at: entry, path: "\(at)[\(index)]")
                    } else {
                        route.failover.append(name)
                    }
                }
            default: break
            }
        }
        if isRoot {
            if !route.matchers.isEmpty { walker.report("the root route cannot have matchers", at: node, path: path) }
            if route.receiver.isEmpty { walker.report("the root route needs a receiver", at: node, path: path) }
            if !route.muteTimeIntervals.isEmpty || !route.activeTimeIntervals.isEmpty {
                walker.report("the root route cannot have mute or active time intervals", at: node, path: path)
            }
        }
        if !route.receiver.isEmpty && config.receivers[route.receiver] == nil {
            var message = "undefined receiver '\(route.receiver)' used in route"
            if let guess = DidYouMean.suggestion(for: route.receiver, among: Array(config.receivers.keys)) { message += "; did you mean '\(guess)'?" }
            walker.report(message, at: receiverNode ?? node, path: "\(path).receiver")
        }
        route.id = isRoot ? "{}" : "\(parent.id)/{\(route.matchers.map(\.description).joined(separator: ","))}"
        route.routes = children.map { index, child in
            var childRoute = self.route(child, path: "\(path).routes[\(index)]", parent: route, isRoot: false, walker: walker, config: config)
            childRoute.id += "[\(index)]"
            return childRoute
        }
        return route
    }

    static func receiver(_ node: Node, path: String, walker: YAMLWalker, secrets: SecretResolver) -> ReceiverConfig? {
        let known = ["name"] + Integration.Kind.allCases.map(\.rawValue)
        var name: String?
        var integrations: [Integration] = []
        for (key, value) in walker.mapping(node, path: path, known: known) {
            if key == "name" {
                name = walker.string(value, path: "\(path).name")
                continue
            }
            let kind = Integration.Kind(rawValue: key)!
            for (index, entry) in walker.sequence(value, path: "\(path).\(key)").enumerated() {
                let at = "\(path).\(key)[\(index)]"
                var settings: [String: String] = [:]
                var templates: [String: Template] = [:]
                var sendResolved = kind.sendsResolvedByDefault
                for (field, fieldNode) in walker.mapping(entry, path: at, known: kind.keys) {
                    let fieldPath = "\(at).\(field)"
                    if field == "send_resolved" {
                        sendResolved = walker.bool(fieldNode, path: fieldPath) ?? sendResolved
                        continue
                    }
                    if field == "tls_config" {
                        for (key, value) in walker.mapping(fieldNode, path: fieldPath, known: ["ca_file", "insecure_skip_verify"]) {
                            if let text = walker.string(value, path: "\(fieldPath).\(key)") { settings["tls.\(key)"] = text }
                        }
                        continue
                    }
                    if field == "headers" {
                        for (header, text, headerNode) in walker.stringMap(fieldNode, path: fieldPath) {
                            settings["header.\(header)"] = text
                            do { templates["header.\(header)"] = try Template(text) } catch {
                                walker.report(error.description, at: headerNode, path: "\(fieldPath).\(header)")
                            }
                        }
                        continue
                    }
                    guard var text = walker.string(fieldNode, path: fieldPath) else { continue }
                    if let reference = SecretResolver.Reference(parsing: text) {
                        switch secrets.resolve(reference) {
                        case .success(let value): text = value.trimmingCharacters(in: .whitespacesAndNewlines)
                        case .failure(let error): walker.report(error.description, at: fieldNode, path: fieldPath)
                        }
                    }
                    settings[field] = text
                    if ["title", "text", "message", "description"].contains(field) {
                        do { templates[field] = try Template(text, notification: true) } catch {
                            walker.report(error.description, at: fieldNode, path: fieldPath)
                        }
                    }
                }
                for field in kind.required where settings[field] == nil {
                    walker.report("missing required key '\(field)'", at: entry, path: at)
                }
                for field in ["url", "api_url", "webhook_url"] where settings[field].map({ !($0.hasPrefix("http://") || $0.hasPrefix("https://")) }) == true {
                    walker.report("expected an http:// or https:// URL", at: entry, path: "\(at).\(field)")
                }
                if kind == .email, let host = settings["smarthost"], !host.contains(":") {
                    walker.report("expected host:port, found '\(host)'", at: entry, path: "\(at).smarthost")
                }
                integrations.append(Integration(kind: kind, id: "\(name ?? "?")/\(key)[\(index)]", sendResolved: sendResolved, settings: settings, templates: templates))
            }
        }
        guard let name, !name.isEmpty else {
            walker.report("a receiver needs a name", at: node, path: path)
            return nil
        }
        return ReceiverConfig(name: name, integrations: integrations.map { integration in
            var named = integration
            named.id = name + "/" + integration.id.split(separator: "/", maxSplits: 1).last!
            return named
        })
    }

    static func timeInterval(_ node: Node, path: String, walker: YAMLWalker) -> TimeIntervalSpec {
        var spec = TimeIntervalSpec()
        for (key, value) in walker.mapping(node, path: path, known: ["times", "weekdays", "days_of_month", "months", "years", "location"]) {
            let at = "\(path).\(key)"
            do {
                switch key {
                case "times":
                    for (index, entry) in walker.sequence(value, path: at).enumerated() {
                        let fields = Dictionary(walker.mapping(entry, path: "\(at)[\(index)]", known: ["start_time", "end_time"]), uniquingKeysWith: { a, _ in a })
                        guard let start = walker.string(fields["start_time"], path: at), let end = walker.string(fields["end_time"], path: at) else {
                            walker.report("start_time and end_time are required", at: entry, path: "\(at)[\(index)]")
                            continue
                        }
                        let range = (try TimeIntervalSpec.minutes(start), try TimeIntervalSpec.minutes(end))
                        guard range.0 < range.1 else { throw PromQLError("start_time \(start) must be before end_time \(end)") }
                        spec.times.append(range)
                    }
                case "weekdays":
                    spec.weekdays = try TimeIntervalSpec.ranges(strings(value, at, walker), names: TimeIntervalSpec.weekdayNames, offset: 0, valid: 0...6, what: "weekday")
                case "days_of_month":
                    spec.daysOfMonth = try TimeIntervalSpec.ranges(strings(value, at, walker), names: nil, offset: 0, valid: -31...31, what: "day of month")
                case "months":
                    spec.months = try TimeIntervalSpec.ranges(strings(value, at, walker), names: TimeIntervalSpec.monthNames, offset: 1, valid: 1...12, what: "month")
                case "years":
                    spec.years = try TimeIntervalSpec.ranges(strings(value, at, walker), names: nil, offset: 0, valid: 1970...9999, what: "year")
                default:
                    let name = walker.string(value, path: at) ?? "UTC"
                    guard let zone = TimeZone(identifier: name == "Local" ? TimeZone.current.identifier : name) else {
                        throw PromQLError("unknown time zone '\(name)'")
                    }
                    spec.location = zone
                }
            } catch let error as PromQLError {
                walker.report(error.description, at: value, path: at)
            } catch {
                walker.report("\(error)", at: value, path: at)
            }
        }
        return spec
    }

    private static func strings(_ node: Node, _ path: String, _ walker: YAMLWalker) -> [String] {
        walker.sequence(node, path: path).compactMap { walker.string($0, path: path) }
    }
}
