import ArgumentParser
import Foundation

struct Warden: AsyncParsableCommand {
    static let version = "0.1.0"
    /// The source revision for `warden_build_info`: WARDEN_REVISION from the environment (a deploy sets it).
    static let revision = ProcessInfo.processInfo.environment["WARDEN_REVISION"] ?? "unknown"

    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "A Bitcoin trading system run as one systemd service.",
        discussion: """
            `warden supervise` is what systemd starts: it spawns and watches the workers (`warden engine`, \
            `warden api`) over the sd_notify protocol, restarts them by policy, and answers `warden ctl` on its \
            control socket. Every key of the YAML configuration has a default, so all commands run without one.

            Exit statuses: 0 ok, 1 run-time failure (a port in use, say), 3 the supervisor gave up after too many \
            restarts, 64 bad usage, 69 no supervisor to talk to, 78 configuration error.
            """,
        version: "warden \(version)",
        subcommands: [Supervise.self, Engine.self, API.self, Ctl.self, CheckConfig.self, DB.self, BackupCommand.self, IndicatorsCommand.self, BacktestCommand.self, OptimizeCommand.self, ReportCommand.self, RiskCommand.self, PortfolioCommand.self, TradesCommand.self, PositionsCommand.self, TradingCommand.self, OrderCommand.self, StrategiesCommand.self, RulesCommand.self, AlertsCommand.self, SilenceCommand.self, NotifyCommand.self, RunbookCommand.self, DeployCommand.self, HealthCommand.self, ExchangeCommand.self, UserCommand.self, APIKeyCommand.self])
}
