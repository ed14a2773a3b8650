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
