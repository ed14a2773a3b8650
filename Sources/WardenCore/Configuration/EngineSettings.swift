import Foundation

/// `engine:`: what the trading engine trades, from which market data, on which exchange.
public struct EngineSettings: Sendable, Hashable, Decodable {
    /// The first market's symbol, canonical (`BTC-USDT`).
    public var symbol: String
    /// Every market traded; a lone `symbol` with `market_data.file` is one market.
    public var markets: [MarketSettings]
    public var timeframe: String
    public var marketData: MarketDataSettings
    public var exchange: ExchangeSettings
    public var strategies: [StrategySettings]
    public var risk: RiskLimits
    public var portfolio: PortfolioSettings

    public init(
        symbol: String = "BTC-USDT", markets: [MarketSettings]? = nil, timeframe: String = "1m", marketData: MarketDataSettings = MarketDataSettings(),
        exchange: ExchangeSettings = ExchangeSettings(), strategies: [StrategySettings] = StrategySettings.defaults,
        risk: RiskLimits = .none, portfolio: PortfolioSettings = PortfolioSettings()
    ) {
        self.risk = risk
        self.portfolio = portfolio
        let canonical = MarketSettings.canonical(symbol) ?? symbol
        self.markets = markets ?? [MarketSettings(symbol: canonical, file: marketData.file)]
        self.symbol = self.markets.first?.symbol ?? canonical
        self.timeframe = timeframe
        self.marketData = marketData
        self.exchange = exchange
        self.strategies = strategies
    }

    static let keys = ["symbol", "markets", "timeframe", "market_data", "exchange", "strategies", "risk", "portfolio"]

    /// Each timeframe's bar spacing in milliseconds (BingX's kline intervals).
    public static let intervals: [String: Int64] = [
        "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000, "2h": 7_200_000,
        "4h": 14_400_000, "6h": 21_600_000, "12h": 43_200_000, "1d": 86_400_000,
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let marketData: MarketDataSettings = fields.read("market_data", default: MarketDataSettings())
        let listed: [MarketSettings]? = fields.read("markets")
        let rawSymbol: String = fields.read("symbol", default: "BTC-USDT")
        self.init(
            symbol: rawSymbol, markets: listed, timeframe: fields.read("timeframe", default: "1m"),
            marketData: marketData,
            exchange: fields.read("exchange", default: ExchangeSettings()),
            strategies: fields.read("strategies", default: StrategySettings.defaults),
            risk: fields.read("risk", default: RiskLimits.none), portfolio: fields.read("portfolio", default: PortfolioSettings()))
        if MarketSettings.canonical(rawSymbol) == nil {
            fields.problem("expected a market symbol such as BTC-USDT or BTCUSDT, found '\(rawSymbol)'", at: "symbol")
        }
        if listed?.isEmpty == true { fields.problem("at least one market is needed", at: "markets") }
        var seen = Set<String>()
        for (index, market) in markets.enumerated() where !seen.insert(market.symbol).inserted {
            fields.collector.report(
                "market \(market.symbol) is listed twice", at: fields.path + [ConfigKey("markets"), ConfigKey(intValue: index)!, ConfigKey("symbol")])
        }
        for (index, strategy) in strategies.enumerated() {
            for (position, market) in (strategy.markets ?? []).enumerated() where !seen.contains(market) {
                fields.collector.report(
                    "strategy '\(strategy.name)' names market \(market), which engine.markets does not list (it has \(markets.map(\.symbol).joined(separator: ", ")))",
                    at: fields.path + [ConfigKey("strategies"), ConfigKey(intValue: index)!, ConfigKey("markets"), ConfigKey(intValue: position)!])
            }
        }
        if Self.intervals[timeframe] == nil {
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

/// `engine.market_data`: where bars come from. `replay` plays a candle file (speed 0 is as fast as
/// possible, N is N× real time); `bingx` streams BingX's klines over its WebSocket (`transport:
/// websocket`, a connection silent for `silence`, default two bars, is dead) or polls them every
/// `poll` over REST (`transport: rest`; default poll a twelfth of the timeframe, 1 to 5 s), and
/// trades on each bar as it closes.
public struct MarketDataSettings: Sendable, Hashable, Decodable {
    public enum Transport: String, Sendable, Hashable, CaseIterable { case websocket, rest }

    public var source: String
    /// nil means the bundled 1-minute sample.
    public var file: String?
    public var speed: Double
    public var poll: Duration?
    public var transport: Transport = .websocket
    public var silence: Duration?

    public init(source: String = "replay", file: String? = nil, speed: Double = 60, poll: Duration? = nil) {
        self.source = source
        self.file = file
        self.speed = speed
        self.poll = poll
    }

    static let keys = ["source", "file", "speed", "poll", "transport", "silence"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let poll: Duration? = fields.container.contains(ConfigKey("poll")) ? fields.duration("poll", default: .seconds(5)) : nil
        self.init(source: fields.read("source", default: "replay"), file: fields.read("file"), speed: fields.read("speed", default: 60), poll: poll)
        let transportText: String = fields.read("transport", default: "websocket")
        transport = Transport(rawValue: transportText) ?? .websocket
        if Transport(rawValue: transportText) == nil { fields.problem("expected websocket or rest, found '\(transportText)'", at: "transport") }
        if fields.container.contains(ConfigKey("silence")) {
            let silence = fields.duration("silence", default: .seconds(120))
            self.silence = silence
            if !(Duration.seconds(1)...Duration.seconds(86_400)).contains(silence) {
                fields.problem("expected 1s to 1d, found \(DurationText.format(silence))", at: "silence")
            }
        }
        if !["replay", "bingx"].contains(source) { fields.problem("expected replay or bingx, found '\(source)'", at: "source") }
        if !(0...10_000_000).contains(speed) { fields.problem("expected 0 (as fast as possible) up to 10000000, found \(speed)", at: "speed") }
        if let poll, !(Duration.milliseconds(100)...Duration.seconds(60)).contains(poll) {
            fields.problem("expected 100ms to 60s, found \(DurationText.format(poll))", at: "poll")
        }
        if source == "bingx", file != nil { fields.problem("a file is for source: replay; BingX's data comes from the exchange", at: "file") }
    }
}

/// `engine.exchange`: the paper exchange, or BingX (spot or perpetual swap; `demo` for its VST
/// demo hosts). Keys are secrets and never in clear, as database passwords.
public struct ExchangeSettings: Sendable, Hashable, Decodable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case paper, bingx }
    public enum Market: String, Sendable, Hashable, CaseIterable { case spot, swap }

    public var kind: Kind
    public var startingBalance: Double
    public var feeRate: Double
    public var slippageBps: Double
    public var market: Market
    public var apiKey: ConfigText?
    public var secretKey: ConfigText?
    public var demo: Bool
    public var recvWindow: Duration
    /// The REST origin; nil means BingX's (live or demo).
    public var baseURL: String?
    /// The market's WebSocket URL; nil means BingX's for the market (live or demo).
    public var wsURL: String?
    /// How often the exchange's balances are checked against the journal (BingX only).
    public var reconcileEvery: Duration = .seconds(300)
    /// BingX's dead-man switch (`cancelAllAfter`): open orders are cancelled by BingX this long
    /// after the engine last refreshed it (10 s to 120 s; 0 turns it off).
    public var cancelAfter: Duration = .seconds(60)

    public init(
        kind: Kind = .paper, startingBalance: Double = 10_000, feeRate: Double = 0.001, slippageBps: Double = 0, market: Market = .spot,
        apiKey: ConfigText? = nil, secretKey: ConfigText? = nil, demo: Bool = false, recvWindow: Duration = .seconds(5),
        baseURL: String? = nil, wsURL: String? = nil
    ) {
        self.kind = kind
        self.startingBalance = startingBalance
        self.feeRate = feeRate
        self.slippageBps = slippageBps
        self.market = market
        self.apiKey = apiKey
        self.secretKey = secretKey
        self.demo = demo
        self.recvWindow = recvWindow
        self.baseURL = baseURL
        self.wsURL = wsURL
    }

    /// Real money: BingX with live (not demo) keys.
    public var isLive: Bool { kind == .bingx && !demo }

    static let keys = [
        "kind", "starting_balance", "fee_rate", "slippage_bps", "market", "api_key", "secret_key", "demo", "recv_window", "base_url", "ws_url",
        "reconcile_every", "cancel_after",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let kindText: String = fields.read("kind", default: "paper")
        let marketText: String = fields.read("market", default: "spot")
        self.init(
            kind: Kind(rawValue: kindText) ?? .paper, startingBalance: fields.read("starting_balance", default: 10_000),
            feeRate: fields.read("fee_rate", default: 0.001), slippageBps: fields.read("slippage_bps", default: 0),
            market: Market(rawValue: marketText) ?? .spot, apiKey: fields.read("api_key"), secretKey: fields.read("secret_key"),
            demo: fields.read("demo", default: false), recvWindow: fields.duration("recv_window", default: .seconds(5)),
            baseURL: fields.read("base_url"), wsURL: fields.read("ws_url"))
        reconcileEvery = fields.duration("reconcile_every", default: .seconds(300))
        cancelAfter = fields.duration("cancel_after", default: .seconds(60))
        if cancelAfter != .zero, !(Duration.seconds(10)...Duration.seconds(120)).contains(cancelAfter) {
            fields.problem("expected 0 (off) or 10s to 120s (BingX's range for cancelAllAfter), found \(DurationText.format(cancelAfter))", at: "cancel_after")
        }
        if !(Duration.seconds(1)...Duration.seconds(86_400)).contains(reconcileEvery) {
            fields.problem("expected 1s to 1d, found \(DurationText.format(reconcileEvery))", at: "reconcile_every")
        }
        if Kind(rawValue: kindText) == nil { fields.problem("expected paper or bingx, found '\(kindText)'", at: "kind") }
        if Market(rawValue: marketText) == nil { fields.problem("expected spot or swap, found '\(marketText)'", at: "market") }
        if !(startingBalance > 0) { fields.problem("must be above 0", at: "starting_balance") }
        if !(0..<0.5).contains(feeRate) { fields.problem("expected 0 to 0.5, found \(feeRate)", at: "fee_rate") }
        if !(0..<5000).contains(slippageBps) { fields.problem("expected 0 to 5000, found \(slippageBps)", at: "slippage_bps") }
        // BingX accepts a receive window up to 60 s.
        if !(Duration.milliseconds(1)...Duration.seconds(60)).contains(recvWindow) { fields.problem("expected 1ms to 60s, found \(DurationText.format(recvWindow))", at: "recv_window") }
        for (key, url) in [("base_url", baseURL), ("ws_url", wsURL)] {
            guard let url else { continue }
            let schemes = key == "base_url" ? ["http://", "https://"] : ["ws://", "wss://"]
            if !schemes.contains(where: url.hasPrefix) { fields.problem("expected a URL starting with \(schemes.joined(separator: " or ")), found '\(url)'", at: key) }
        }
        guard kind == .bingx else {
            for key in ["api_key", "secret_key"] where fields.container.contains(ConfigKey(key)) { fields.problem("keys are for kind: bingx; the paper exchange needs none", at: key) }
            return
        }
        // BingX documents its VST demo (open-api-vst.bingx.com) for perpetual swap only.
        if demo, market == .spot {
            fields.problem("BingX's demo (VST) is for perpetual swap only; for spot, dry-run on the paper exchange with market_data.source: bingx", at: "demo")
        }
        for (key, value) in [("api_key", apiKey), ("secret_key", secretKey)] {
            if let value, value.reference == nil {
                fields.problem("a key must not be written in clear: use ${file:PATH}, ${env:NAME} or ${credential:NAME}", at: key)
            } else if let value, value.value.isEmpty {
                fields.problem("the key is empty", at: key)
            } else if value == nil {
                fields.problem("kind: bingx needs \(key) (BingX: API management; demo keys with demo: true)", at: key)
            }
        }
    }
}

/// One entry of `engine.strategies`: a strategy by name and its parameter overrides.
public struct StrategySettings: Sendable, Hashable, Decodable {
    public var name: String
    /// Canonical symbols; nil runs the strategy on every market.
    public var markets: [String]?
    public var params: [String: Double]

    public init(name: String, markets: [String]? = nil, params: [String: Double] = [:]) {
        self.name = name
        self.markets = markets
        self.params = params
    }

    public static let defaults = [StrategySettings(name: "cci"), StrategySettings(name: "rsi_macd"), StrategySettings(name: "bollinger")]

    static let keys = ["name", "markets", "params"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let listed: [String]? = fields.read("markets")
        self.init(name: fields.read("name", default: ""), markets: listed?.map { MarketSettings.canonical($0) ?? $0 }, params: fields.read("params", default: [:]))
        if name.isEmpty { fields.problem("missing required key 'name'", at: "name") }
        for (index, market) in (listed ?? []).enumerated() where MarketSettings.canonical(market) == nil {
            fields.collector.report("expected a market symbol such as BTC-USDT, found '\(market)'", at: fields.path + [ConfigKey("markets"), ConfigKey(intValue: index)!])
        }
    }
}

/// `engine.risk`, and the backtester's risk flags: the first layer of risk limits, all off unless
/// set. Notionals are in quote currency; ratios are fractions (0.05 = 5%).
public struct RiskLimits: Sendable, Hashable, Decodable {
    /// Largest position one strategy may open.
    public var maxPositionNotional: Double?
    /// Largest sum of all open positions (at entry prices).
    public var maxTotalExposure: Double?
    /// Exit when the close falls this many ATRs below the entry price.
    public var stopLossATR: Double?
    /// Exit when the close rises this many ATRs above the entry price.
    public var takeProfitATR: Double?
    public var atrPeriod: Int
    /// Halt new entries once equity is this share below the UTC day's opening equity.
    public var dailyLossLimit: Double?
    /// Halt new entries once equity is this share below its peak.
    public var maxDrawdown: Double?
    /// Halt new entries once equity is this share below the UTC month's opening equity.
    public var monthlyLossLimit: Double?
    /// Reduce (no entries; trim positions) while the positions at the close exceed this share of equity.
    public var maxGrossExposure: Double?
    /// The same for long minus short positions (on spot, where Warden is long only, the same sum).
    public var maxNetExposure: Double?
    /// Reduce while the historical VaR of the positions (at `varConfidence`, over the portfolio's
    /// horizon) is above this share of equity.
    public var maxValueAtRisk: Double?
    public var varConfidence: Double

    public static let none = RiskLimits()

    public init(
        maxPositionNotional: Double? = nil, maxTotalExposure: Double? = nil, stopLossATR: Double? = nil,
        takeProfitATR: Double? = nil, atrPeriod: Int = 14, dailyLossLimit: Double? = nil, maxDrawdown: Double? = nil,
        monthlyLossLimit: Double? = nil, maxGrossExposure: Double? = nil, maxNetExposure: Double? = nil, maxValueAtRisk: Double? = nil,
        varConfidence: Double = 0.99
    ) {
        self.maxValueAtRisk = maxValueAtRisk
        self.varConfidence = varConfidence
        self.monthlyLossLimit = monthlyLossLimit
        self.maxGrossExposure = maxGrossExposure
        self.maxNetExposure = maxNetExposure
        self.maxPositionNotional = maxPositionNotional
        self.maxTotalExposure = maxTotalExposure
        self.stopLossATR = stopLossATR
        self.takeProfitATR = takeProfitATR
        self.atrPeriod = atrPeriod
        self.dailyLossLimit = dailyLossLimit
        self.maxDrawdown = maxDrawdown
    }

    static let keys = [
        "max_position_notional", "max_total_exposure", "stop_loss_atr", "take_profit_atr", "atr_period", "daily_loss_limit", "max_drawdown",
        "monthly_loss_limit", "max_gross_exposure", "max_net_exposure", "max_var", "var_confidence",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        self.init(
            maxPositionNotional: fields.read("max_position_notional"), maxTotalExposure: fields.read("max_total_exposure"),
            stopLossATR: fields.read("stop_loss_atr"), takeProfitATR: fields.read("take_profit_atr"),
            atrPeriod: fields.read("atr_period", default: 14), dailyLossLimit: fields.read("daily_loss_limit"),
            maxDrawdown: fields.read("max_drawdown"), monthlyLossLimit: fields.read("monthly_loss_limit"),
            maxGrossExposure: fields.read("max_gross_exposure"), maxNetExposure: fields.read("max_net_exposure"),
            maxValueAtRisk: fields.read("max_var"), varConfidence: fields.read("var_confidence", default: 0.99))
        if let value = maxValueAtRisk, !(value > 0 && value < 1) { fields.problem("expected a share of equity between 0 and 1 (0.05 = 5%), found \(value)", at: "max_var") }
        if !(varConfidence >= 0.5 && varConfidence < 1) { fields.problem("expected a confidence from 0.5 to below 1 (0.99), found \(varConfidence)", at: "var_confidence") }
        for (key, value) in [("max_position_notional", maxPositionNotional), ("max_total_exposure", maxTotalExposure),
                             ("stop_loss_atr", stopLossATR), ("take_profit_atr", takeProfitATR)] {
            if let value, !(value > 0) { fields.problem("must be above 0, found \(value)", at: key) }
        }
        for (key, value) in [("daily_loss_limit", dailyLossLimit), ("max_drawdown", maxDrawdown), ("monthly_loss_limit", monthlyLossLimit)] {
            if let value, !(value > 0 && value < 1) { fields.problem("expected a fraction between 0 and 1 (0.05 = 5%), found \(value)", at: key) }
        }
        for (key, value) in [("max_gross_exposure", maxGrossExposure), ("max_net_exposure", maxNetExposure)] {
            if let value, !(value > 0 && value <= 10) { fields.problem("expected a share of equity above 0 (0.8 = 80%; at most 10), found \(value)", at: key) }
        }
        if !(1...500).contains(atrPeriod) { fields.problem("expected 1 to 500, found \(atrPeriod)", at: "atr_period") }
    }
}

/// One entry of `engine.markets`: a symbol (`BTC-USDT` or `BTCUSDT`, stored as `BTC-USDT`), its
/// candle file for replay, and the precision the paper exchange enforces (BingX spot's by default).
public struct MarketSettings: Sendable, Hashable, Decodable {
    public var symbol: String
    /// nil means the bundled 1-minute sample (the first market only).
    public var file: String?
    public var tickSize: Double
    public var stepSize: Double
    public var minQuantity: Double
    public var minNotional: Double

    public init(symbol: String, file: String? = nil, tickSize: Double = 0.01, stepSize: Double = 0.00001, minQuantity: Double = 0, minNotional: Double = 0) {
        self.symbol = symbol
        self.file = file
        self.tickSize = tickSize
        self.stepSize = stepSize
        self.minQuantity = minQuantity
        self.minNotional = minNotional
    }

    static let keys = ["symbol", "file", "tick_size", "step_size", "min_quantity", "min_notional"]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let raw: String = fields.read("symbol", default: "")
        self.init(
            symbol: Self.canonical(raw) ?? raw, file: fields.read("file"), tickSize: fields.read("tick_size", default: 0.01),
            stepSize: fields.read("step_size", default: 0.00001), minQuantity: fields.read("min_quantity", default: 0),
            minNotional: fields.read("min_notional", default: 0))
        if raw.isEmpty { fields.problem("missing required key 'symbol'", at: "symbol") }
        else if Self.canonical(raw) == nil { fields.problem("expected a market symbol such as BTC-USDT or BTCUSDT, found '\(raw)'", at: "symbol") }
        for (key, value) in [("tick_size", tickSize), ("step_size", stepSize)] where !(value > 0) { fields.problem("must be above 0, found \(value)", at: key) }
        for (key, value) in [("min_quantity", minQuantity), ("min_notional", minNotional)] where !(value >= 0) { fields.problem("must be 0 or more, found \(value)", at: key) }
    }

    /// Quote assets recognised at the end of an unseparated symbol.
    static let quotes = ["USDT", "USDC", "FDUSD", "BUSD", "USD", "EUR", "BTC", "ETH"]

    /// `BTCUSDT`, `BTC-USDT`, `btc/usdt` all become `BTC-USDT`; nil when it is not a symbol.
    public static func canonical(_ text: String) -> String? {
        let upper = text.uppercased()
        let parts = upper.split(whereSeparator: { "-/_".contains($0) }).map(String.init)
        let alnum = { (s: String) in !s.isEmpty && s.count <= 12 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        if parts.count == 2, parts.allSatisfy(alnum) { return "\(parts[0])-\(parts[1])" }
        guard parts.count == 1, (2...20).contains(upper.count), upper.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        for quote in quotes where upper.hasSuffix(quote) && upper.count > quote.count { return "\(upper.dropLast(quote.count))-\(quote)" }
        return nil
    }
}
