import WardenCore

/// BingX's hosts: live and the VST demo (same API, play money), overridable for a local fake.
public struct BingXHosts: Sendable, Hashable {
    public var rest: String
    public var webSocket: String

    public static let live = "https://open-api.bingx.com"
    public static let demo = "https://open-api-vst.bingx.com"
    public static let spotStream = "wss://open-api-ws.bingx.com/market"
    public static let swapStream = "wss://open-api-swap.bingx.com/swap-market"
    public static let demoSwapStream = "wss://vst-open-api-ws.bingx.com/swap-market"

    public init(rest: String, webSocket: String) {
        self.rest = rest
        self.webSocket = webSocket
    }

    /// What `engine.exchange` asks for: its URLs, else BingX's for the market and mode.
    public init(_ settings: ExchangeSettings) {
        let defaultStream = switch (settings.market, settings.demo) {
        case (.spot, _): Self.spotStream  // spot has no demo stream: market data is public
        case (.swap, false): Self.swapStream
        case (.swap, true): Self.demoSwapStream
        }
        rest = settings.baseURL ?? (settings.demo ? Self.demo : Self.live)
        webSocket = settings.wsURL ?? defaultStream
    }
}
