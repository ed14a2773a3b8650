import ArgumentParser
import Foundation
import WardenCore

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file: exit 0 if valid, 78 (EX_CONFIG) otherwise.",
        discussion: """
            Prints every problem, one per line, as `PATH:LINE: key.path: what was wrong and what was expected`: \
            YAML syntax, wrong types, unknown keys (with a suggestion when one is close), values out of range, \
            unknown or cyclic depends_on, and secret references (${env:NAME}, ${file:PATH}, ${credential:NAME}) \
            that cannot be resolved. With --env (or WARDEN_ENV) the environment's overlay, warden.<env>.yml beside \
            the file, is laid over it and the environment's guards are checked: prod refuses the paper exchange, demo \
            keys and replayed candles; dev and staging refuse live keys.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let alerting = try AlertingSetup.load(configPath: options.configPath)
        var source = options.configPath ?? "embedded defaults"
        if let environment = configuration.environment, let path = options.configPath {
            source += " + \((ComposedConfiguration.overlayPath(path, environment: environment) as NSString).lastPathComponent) (environment \(environment))"
        }
        let children = configuration.children.map(\.name).joined(separator: ", ")
        print("\(source): configuration is valid (\(configuration.children.count) children: \(children); \(alerting.groups.reduce(0) { $0 + $1.rules.count }) rules, \(alerting.config.receivers.values.filter { !$0.integrations.isEmpty }.count) receivers)")
    }
}
