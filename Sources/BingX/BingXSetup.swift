import WardenCore

/// The exchange client `engine.exchange` describes.
public enum BingXSetup {
    /// BingX's published per-second limits: orders (spot 10/s per UID, swap 5/s), account and
    /// query endpoints (5/s for balances, the tightest), public market data (500 per 10 s per IP).
    public static func limits(_ market: ExchangeSettings.Market) -> [BingXClient.LimitGroup: Double] {
        switch market {
        case .spot: [.orders: 10, .account: 5, .market: 50]
        case .swap: [.orders: 5, .account: 5, .market: 50]
        }
    }

    public static func client(_ settings: ExchangeSettings, metrics: BingXMetrics = BingXMetrics()) -> BingXClient {
        let credentials = settings.apiKey.flatMap { key in settings.secretKey.map { BingXClient.Credentials(apiKey: key.value, secretKey: $0.value) } }
        return BingXClient(
            baseURL: BingXHosts(settings).rest, credentials: settings.kind == .bingx ? credentials : nil, recvWindow: settings.recvWindow,
            limits: limits(settings.market), metrics: metrics)
    }
}
