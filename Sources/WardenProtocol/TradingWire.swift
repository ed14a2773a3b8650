/// The engine socket's replies (RUNTIME_DIR/engine.sock, owner-only), shared by the engine that
/// sends them and every client (the CLI, the API) that decodes them:
///     GET  /v1/trading/status
///     POST /v1/trading/pause?by=NAME
///     POST /v1/trading/resume?by=NAME
public struct TradingStatus: Sendable, Codable, Hashable {
    /// starting, trading, halted, paused or finished.
    public var state: String
    public var reason: String?
    public var bar: Int
    public var bars: Int
    public var equity: Double

    public init(state: String, reason: String?, bar: Int, bars: Int, equity: Double) {
        self.state = state
        self.reason = reason
        self.bar = bar
        self.bars = bars
        self.equity = equity
    }
}

public struct TradingReply: Sendable, Codable {
    public var ok: Bool
    public var message: String
    public var status: TradingStatus

    public init(ok: Bool, message: String, status: TradingStatus) {
        self.ok = ok
        self.message = message
        self.status = status
    }
}

/// One strategy slot as `GET /v1/strategies` lists it.
public struct StrategyInfo: Sendable, Codable, Hashable {
    public var name: String
    public var market: String
    public var active: Bool
    public var parameters: [String: Double]
    public var bounds: [ParameterBound]
    /// Base quantity held.
    public var position: Double
    /// Set aside (inactive, out of the equity shares) until activated again.
    public var archived: Bool
    /// Who created the slot at run time; absent for the configuration's.
    public var createdBy: String?

    public init(
        name: String, market: String, active: Bool, parameters: [String: Double], bounds: [ParameterBound], position: Double, archived: Bool = false,
        createdBy: String? = nil
    ) {
        self.name = name
        self.market = market
        self.active = active
        self.parameters = parameters
        self.bounds = bounds
        self.position = position
        self.archived = archived
        self.createdBy = createdBy
    }

    enum CodingKeys: String, CodingKey {
        case name, market, active, parameters, bounds, position, archived
        case createdBy = "created_by"
    }
}

/// `POST /v1/strategies?by=NAME`: a registry strategy on markets it does not run on yet.
public struct NewStrategy: Sendable, Codable, Hashable {
    public var strategy: String
    /// Default: every market the engine trades.
    public var markets: [String]?
    /// Overrides of the strategy's defaults, within its bounds.
    public var parameters: [String: Double]?
    /// Default true.
    public var active: Bool?

    public init(strategy: String, markets: [String]? = nil, parameters: [String: Double]? = nil, active: Bool? = nil) {
        self.strategy = strategy
        self.markets = markets
        self.parameters = parameters
        self.active = active
    }
}

public struct ParameterBound: Sendable, Codable, Hashable {
    public var name: String
    public var defaultValue: Double
    public var min: Double
    public var max: Double
    public var integer: Bool

    public init(name: String, defaultValue: Double, min: Double, max: Double, integer: Bool) {
        self.name = name
        self.defaultValue = defaultValue
        self.min = min
        self.max = max
        self.integer = integer
    }

    enum CodingKeys: String, CodingKey {
        case name, min, max, integer
        case defaultValue = "default"
    }
}

/// The engine socket's strategy endpoints:
///     GET  /v1/strategies
///     POST /v1/strategies/NAME/activate?by=NAME[&market=M]
///     POST /v1/strategies/NAME/deactivate?by=NAME[&market=M]
///     POST /v1/strategies/NAME/parameters?by=NAME[&market=M]   body: {"period": 30, ...}
///     POST /v1/strategies?by=NAME                               body: NewStrategy
///     DELETE /v1/strategies/NAME?by=NAME[&market=M]             (archive)
/// A change is applied and journaled at the next bar (at once when a replay has finished).
public struct StrategiesReply: Sendable, Codable {
    public var ok: Bool
    public var message: String
    public var strategies: [StrategyInfo]

    public init(ok: Bool, message: String, strategies: [StrategyInfo]) {
        self.ok = ok
        self.message = message
        self.strategies = strategies
    }
}
