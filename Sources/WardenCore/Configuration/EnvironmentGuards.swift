/// What each environment refuses, checked on the merged configuration so an overlay cannot slip
/// past it: `prod` trades real money on live data (no paper exchange, no demo keys, no replay);
/// `dev` and `staging` never hold live keys.
public enum EnvironmentGuards {
    public struct Violation: Sendable, Equatable {
        public var keyPath: String
        public var message: String
    }

    public static func violations(_ configuration: WardenConfiguration, environment: String) -> [Violation] {
        let exchange = configuration.engine.exchange
        var found: [Violation] = []
        switch environment {
        case "prod":
            if exchange.kind == .paper {
                found.append(.init(keyPath: "engine.exchange.kind", message: "refuses the paper exchange (a dry run): prod trades with kind: bingx and live keys"))
            }
            if exchange.kind == .bingx && exchange.demo {
                found.append(.init(keyPath: "engine.exchange.demo", message: "refuses BingX demo keys (demo: true): prod trades with live keys"))
            }
            if configuration.engine.marketData.source == "replay" {
                found.append(.init(keyPath: "engine.market_data.source", message: "refuses replayed candles: prod trades on live market data (source: bingx)"))
            }
        default:
            if exchange.isLive {
                found.append(.init(
                    keyPath: "engine.exchange.demo",
                    message: "refuses live BingX keys: \(environment) trades on the paper exchange or with demo keys (demo: true)"))
            }
        }
        return found
    }
}
