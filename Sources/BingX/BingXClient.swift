import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Resilience
import Synchronization
import Trading

/// Signed and public REST calls to BingX: rate-limited per BingX's published limits (shared by
/// every caller in the process), the server clock's offset applied to every timestamp, and every
/// answer's envelope turned into a value or a typed `VenueError`.
public final class BingXClient: Sendable {
    public struct Credentials: Sendable {
        public var apiKey: String
        public var secretKey: String

        public init(apiKey: String, secretKey: String) {
            self.apiKey = apiKey
            self.secretKey = secretKey
        }
    }

    /// Which of BingX's limits a call counts against.
    public enum LimitGroup: String, Sendable, CaseIterable {
        case orders, account, market
    }

    let baseURL: String
    let credentials: Credentials?
    let signer: BingXSigner?
    let recvWindow: Int64
    let timeout: Duration
    let now: @Sendable () -> Int64
    public let metrics: BingXMetrics
    let buckets: Mutex<[LimitGroup: RateWindow]>
    /// Server time minus local time, in ms, from the last clock check; nil before one.
    let offset = Mutex<Int64?>(nil)
    /// Opens after repeated failures to get an answer: no new order is placed while it is open
    /// (cancels, queries and market data still go), then one trial placement is let through.
    let breaker = Mutex(CircuitBreaker(threshold: 5, cooldown: 30_000))
    /// The paths whose calls place orders: what an open circuit refuses.
    public static let placementPaths: Set<String> = ["/openApi/spot/v1/trade/order", "/openApi/swap/v2/trade/order"]

    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(3), read: .seconds(10))))

    /// `limits`: calls per second per group (at most that many in any second); BingX publishes 5/s for spot orders and 10/s for swap
    /// orders, with account and market data endpoints limited per IP.
    public init(
        baseURL: String, credentials: Credentials?, recvWindow: Duration = .seconds(5), timeout: Duration = .seconds(10),
        limits: [LimitGroup: Double], metrics: BingXMetrics = BingXMetrics(),
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        signer = credentials.map { BingXSigner(secretKey: $0.secretKey) }
        self.recvWindow = Int64(recvWindow.seconds * 1000)
        self.timeout = timeout
        self.now = now
        self.metrics = metrics
        // BingX counts per second; 50 ms of margin keeps a request delayed on the way inside its second.
        buckets = Mutex(Dictionary(uniqueKeysWithValues: LimitGroup.allCases.map { group in
            (group, RateWindow(limit: max(1, Int(limits[group] ?? 10)), window: 1050))
        }))
    }

    /// Server time minus local time from the last check (ms); nil before one.
    public var clockOffset: Int64? { offset.withLock { $0 } }

    /// The local clock with the measured offset: what every signed timestamp uses.
    public var serverNow: Int64 { now() + (offset.withLock { $0 } ?? 0) }

    /// Measures the offset from BingX's server time (half the round trip counted as transit). A
    /// clock off by more than the receive window is an error: every signed request would be refused.
    @discardableResult
    public func syncClock(path: String) async throws(VenueError) -> Int64 {
        let sent = now()
        let time: ServerTime = try await call(.GET, path, group: .market)
        let received = now()
        let measured = time.serverTime - (sent + received) / 2
        offset.withLock { $0 = measured }
        if abs(measured) > recvWindow {
            throw VenueError(
                .invalidParameter,
                "this host's clock is \(abs(measured)) ms \(measured > 0 ? "behind" : "ahead of") BingX's, more than recv_window (\(recvWindow) ms): fix NTP (timedatectl)")
        }
        return measured
    }

    struct ServerTime: Decodable { let serverTime: Int64 }

    /// One call: waits for the rate limit, signs when credentials are needed, decodes `data`.
    public func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, _ params: [String: String] = [:], signed: Bool = false, group: LimitGroup, as type: T.Type = T.self
    ) async throws(VenueError) -> T {
        if signed, signer == nil { throw VenueError(.authentication, "\(path) needs API keys (engine.exchange.api_key, secret_key)") }
        // The circuit watches order placement alone: market data answering says nothing about the
        // order endpoint, and an exchange that is down fails placements too.
        let isPlacement = method == .POST && Self.placementPaths.contains(path)
        let noAnswer = { if isPlacement { self.failed() } }
        let anAnswer = { if isPlacement { self.answered() } }
        if isPlacement {
            let allowed = breaker.withLock { $0.allows(at: now()) }
            metrics.circuit(breaker.withLock { $0.state })
            guard allowed else {
                throw VenueError(.rejected, "not sent: the exchange circuit is open after repeated failures; new orders wait until it closes")
            }
        }
        try await waitForLimit(group)
        // Signed after the wait: a request held back by the limit still leaves inside its receive window.
        let query = signer.map { signed ? $0.signedQuery(params, timestamp: serverNow, recvWindow: recvWindow) : BingXSigner.query(params) }
            ?? BingXSigner.query(params)
        var request = HTTPClientRequest(url: baseURL + path + (query.isEmpty ? "" : "?" + query))
        request.method = method
        if let credentials, signed { request.headers.add(name: "X-BX-APIKEY", value: credentials.apiKey) }
        request.headers.add(name: "User-Agent", value: "warden")
        let endpoint = path
        let started = ContinuousClock.now
        let elapsed = { (started.duration(to: .now)).seconds }
        let status: UInt
        let body: ByteBuffer
        let retryAfter: String?
        do {
            let response = try await Self.client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            status = response.status.code
            retryAfter = response.headers.first(name: "Retry-After")
            body = try await response.body.collect(upTo: 8 * 1024 * 1024)
        } catch {
            metrics.record(endpoint: endpoint, method: method.rawValue, result: "unknown", seconds: elapsed())
            noAnswer()
            // Sent or not, nobody can say: an order is asked about, never sent again.
            throw VenueError(.unknown, "\(endpoint): no answer: \(error)")
        }
        if status == 429 || status == 418 {
            let wait = retryAfter.flatMap(Double.init).map { Int64($0 * 1000) } ?? 1000
            buckets.withLock { $0[group]?.pause(at: now(), for: wait) }
            metrics.record(endpoint: endpoint, method: method.rawValue, result: "rate_limited", seconds: elapsed())
            throw VenueError(.rateLimited, "\(endpoint): HTTP \(status); waiting \(wait) ms before the next \(group.rawValue) call")
        }
        if status >= 500 {
            metrics.record(endpoint: endpoint, method: method.rawValue, result: "unknown", seconds: elapsed())
            noAnswer()
            throw VenueError(.unknown, "\(endpoint): HTTP \(status)")
        }
        let data = Data(body.readableBytesView)
        do {
            let envelope = try JSONDecoder().decode(BingXStatus.self, from: data)
            guard envelope.code == 0 else {
                let error = BingXErrors.error(code: envelope.code, message: envelope.msg)
                // A refusal is an answer (the order endpoint works); being told to slow down is neither.
                if error.code == .rateLimited { buckets.withLock { $0[group]?.pause(at: now(), for: 1000) } } else { anAnswer() }
                metrics.record(endpoint: endpoint, method: method.rawValue, result: error.code.description, seconds: elapsed())
                throw error
            }
            let decoded = try JSONDecoder().decode(BingXEnvelope<T>.self, from: data)
            guard let payload = decoded.data else {
                throw VenueError(.unknown, "\(endpoint): an answer without data")
            }
            metrics.record(endpoint: endpoint, method: method.rawValue, result: "ok", seconds: elapsed())
            anAnswer()
            return payload
        } catch let error as VenueError {
            throw error
        } catch {
            metrics.record(endpoint: endpoint, method: method.rawValue, result: "unknown", seconds: elapsed())
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            throw VenueError(.unknown, "\(endpoint): HTTP \(status), an answer that is not BingX's envelope (\(error)): \(text)")
        }
    }

    func failed() {
        let state = breaker.withLock { breaker in
            breaker.recordFailure(at: now())
            return breaker.state
        }
        metrics.circuit(state)
    }

    func answered() {
        let state = breaker.withLock { breaker in
            breaker.recordSuccess()
            return breaker.state
        }
        metrics.circuit(state)
    }

    func waitForLimit(_ group: LimitGroup) async throws(VenueError) {
        let wait = buckets.withLock { $0[group]!.reserve(at: now()) }
        guard wait > 0 else { return }
        metrics.waited(Double(wait) / 1000)
        do { try await Task.sleep(for: .milliseconds(wait)) } catch { throw VenueError(.unknown, "cancelled while waiting for the rate limit") }
    }
}
