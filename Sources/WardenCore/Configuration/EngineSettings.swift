import Foundation

/// `engine:`: what the trading engine trades, from which market data, on which exchange.
public struct EngineSettings: Sendable, Hashable, Decodable {
    public var symbol: String
    public var timeframe: String
    public var marketData: MarketDataSettings
    public var exchange: ExchangeSettings
    public var strategies: [StrategySettings]

    public init(
        symbol: String = "BTCUSDT", timeframe: String = "1m", marketData: MarketDataSettings = MarketDataSettings(),
        exchange: ExchangeSettings = ExchangeSettings(), strategies: [StrategySettings] = StrategySettings.defaults
    ) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.marketData = marketData
        self.exchange = exchange
        self.strategies = strategies
    }

    static let keys = ["symbol", "timeframe", "market_data", "exchange", "strategies"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            symbol: fields.read("symbol", default: "BTCUSDT"), timeframe: fields.read("timeframe", default: "1m"),
            marketData: fields.read("market_data", default: MarketDataSettings()),
            exchange: fields.read("exchange", default: ExchangeSettings()),
            strategies: fields.read("strategies", default: StrategySettings.defaults))
        if symbol.range(of: "^[A-Z0-9]{2,20}$", options: .regularExpression) == nil {
            fields.problem("expected an exchange symbol such as BTCUSDT, found '\(symbol)'", at: "symbol")
        }
        if !["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"].contains(timeframe) {
            fields.problem("expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d, found '\(timeframe)'", at: "timeframe")
        }
        var names = Set<String>()
        for (index, strategy) in strategies.enumerated() where !names.insert(strategy.name).inserted {
            fields.collector.report(
                "strategy '\(strategy.name)' is listed twice; each runs once with its own position",
                at: fields.path + [ConfigKey("strategies"), ConfigKey(intValue: index)!, ConfigKey("name")])
        }
        if strategies.isEmpty { fields.problem("at least one strategy is needed", at: "strategies") }
    }
}

/// `engine.market_data`: where bars come from. `replay` plays a candle file; speed 0 is as fast as
/// possible, N is N× real time.
public struct MarketDataSettings: Sendable, Hashable, Decodable {
    public var source: String
    /// nil means the bundled 1-minute sample.
    public var file: String?
    public var speed: Double

    public init(source: String = "replay", file: String? = nil, speed: Double = 60) {
        self.source = source
        self.file = file
        self.speed = speed
    }

    static let keys = ["source", "file", "speed"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(source: fields.read("source", default: "replay"), file: fields.read("file"), speed: fields.read("speed", default: 60))
        if source != "replay" { fields.problem("expected replay (live market data arrives with the exchange issue), found '\(source)'", at: "source") }
        if !(0...100_000).contains(speed) { fields.problem("expected 0 (as fast as possible) up to 100000, found \(speed)", at: "speed") }
    }
}

/// `engine.exchange`: the paper exchange (BingX arrives with its issue).
public struct ExchangeSettings: Sendable, Hashable, Decodable {
    public var kind: String
    public var startingBalance: Double
    public var feeRate: Double
    public var slippageBps: Double

    public init(kind: String = "paper", startingBalance: Double = 10_000, feeRate: Double = 0.001, slippageBps: Double = 0) {
        self.kind = kind
        self.startingBalance = startingBalance
        self.feeRate = feeRate
        self.slippageBps = slippageBps
    }

    static let keys = ["kind", "starting_balance", "fee_rate", "slippage_bps"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            kind: fields.read("kind", default: "paper"), startingBalance: fields.read("starting_balance", default: 10_000),
            feeRate: fields.read("fee_rate", default: 0.001), slippageBps: fields.read("slippage_bps", default: 0))
        if kind != "paper" { fields.problem("expected paper (BingX arrives with its issue), found '\(kind)'", at: "kind") }
        if !(startingBalance > 0) { fields.problem("must be above 0", at: "starting_balance") }
        if !(0..<0.5).contains(feeRate) { fields.problem("expected 0 to 0.5, found \(feeRate)", at: "fee_rate") }
        if !(0..<5000).contains(slippageBps) { fields.problem("expected 0 to 5000, found \(slippageBps)", at: "slippage_bps") }
    }
}

/// One entry of `engine.strategies`: a strategy by name and its parameter overrides.
public struct StrategySettings: Sendable, Hashable, Decodable {
    public var name: String
    public var params: [String: Double]

    public init(name: String, params: [String: Double] = [:]) {
        self.name = name
        self.params = params
    }

    public static let defaults = [StrategySettings(name: "cci"), StrategySettings(name: "rsi_macd"), StrategySettings(name: "bollinger")]

    static let keys = ["name", "params"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(name: fields.read("name", default: ""), params: fields.read("params", default: [:]))
        if name.isEmpty { fields.problem("missing required key 'name'", at: "name") }
    }
}
