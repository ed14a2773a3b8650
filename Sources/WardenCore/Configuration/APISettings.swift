import Foundation

/// `api:`: the API worker's listener, its tokens and its security layer.
public struct APISettings: Sendable, Hashable, Decodable {
    public struct TLS: Sendable, Hashable, Decodable {
        public var certFile: String
        public var keyFile: String

        public init(certFile: String, keyFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
        }

        static let keys = ["cert_file", "key_file"]

        public init(from decoder: any Decoder) throws {
            let fields = try SectionReader(decoder, known: Self.keys)
            let cert: String? = fields.read("cert_file")
            let key: String? = fields.read("key_file")
            if cert == nil { fields.problem("tls needs cert_file (a PEM certificate chain)", at: "cert_file") }
            if key == nil { fields.problem("tls needs key_file (the PEM private key)", at: "key_file") }
            self.init(certFile: cert ?? "", keyFile: key ?? "")
        }
    }

    /// An address that fails authentication `failures` times within `window` is refused for `block`.
    public struct Lockout: Sendable, Hashable, Decodable {
        public var failures: Int
        public var window: Duration
        public var block: Duration

        public init(failures: Int = 10, window: Duration = .seconds(300), block: Duration = .seconds(900)) {
            self.failures = failures
            self.window = window
            self.block = block
        }

        static let keys = ["failures", "window", "block"]

        public init(from decoder: any Decoder) throws {
            let fields = try SectionReader(decoder, known: Self.keys)
            self.init(
                failures: fields.read("failures", default: 10), window: fields.duration("window", default: .seconds(300)),
                block: fields.duration("block", default: .seconds(900)))
            if failures < 1 { fields.problem("must be 1 or more", at: "failures") }
            if window <= .zero { fields.problem("must be greater than 0s", at: "window") }
            if block <= .zero { fields.problem("must be greater than 0s", at: "block") }
        }
    }

    /// Token buckets: `rate` requests a second refilled, `burst` at once; login has its own, per address.
    public struct RateLimits: Sendable, Hashable, Decodable {
        public var rate: Double
        public var burst: Double
        public var loginRate: Double
        public var loginBurst: Double

        public init(rate: Double = 50, burst: Double = 100, loginRate: Double = 0.2, loginBurst: Double = 5) {
            self.rate = rate
            self.burst = burst
            self.loginRate = loginRate
            self.loginBurst = loginBurst
        }

        static let keys = ["rate", "burst", "login_rate", "login_burst"]

        public init(from decoder: any Decoder) throws {
            let fields = try SectionReader(decoder, known: Self.keys)
            self.init(
                rate: fields.read("rate", default: 50), burst: fields.read("burst", default: 100),
                loginRate: fields.read("login_rate", default: 0.2), loginBurst: fields.read("login_burst", default: 5))
            for (key, value) in [("rate", rate), ("burst", burst), ("login_rate", loginRate), ("login_burst", loginBurst)] where value <= 0 {
                fields.problem("must be greater than 0", at: key)
            }
        }
    }

    public var host: String
    public var port: Int
    public var tls: TLS?
    /// The HMAC key that signs access tokens; absent: one generated under the state directory.
    public var signingKey: ConfigText?
    public var accessTokenTTL: Duration
    public var refreshTokenTTL: Duration
    /// Origins allowed to call from a browser on another origin; empty: none (CORS closed).
    public var corsOrigins: [String]
    public var bodyLimit: ByteSize
    public var lockout: Lockout
    public var rateLimits: RateLimits
    /// Events queued for one WebSocket client before it is dropped as too slow.
    public var wsQueue: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, tls: TLS? = nil, signingKey: ConfigText? = nil,
        accessTokenTTL: Duration = .seconds(900), refreshTokenTTL: Duration = .seconds(30 * 86_400), corsOrigins: [String] = [],
        bodyLimit: ByteSize = ByteSize(bytes: 1 << 20), lockout: Lockout = Lockout(), rateLimits: RateLimits = RateLimits(), wsQueue: Int = 256
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.signingKey = signingKey
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.corsOrigins = corsOrigins
        self.bodyLimit = bodyLimit
        self.lockout = lockout
        self.rateLimits = rateLimits
        self.wsQueue = wsQueue
    }

    static let keys = [
        "listen", "tls", "signing_key", "access_token_ttl", "refresh_token_ttl", "cors_origins", "body_limit", "lockout", "rate_limits", "ws_queue",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try SectionReader(decoder, known: Self.keys)
        let listen: String = fields.read("listen", default: "127.0.0.1:8080")
        var host = "127.0.0.1"
        var port = 8080
        if let colon = listen.lastIndex(of: ":"), let number = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(number) {
            host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = number
        } else {
            fields.problem("expected HOST:PORT such as 127.0.0.1:8080, found '\(listen)'", at: "listen")
        }
        self.init(
            host: host, port: port, tls: fields.read("tls"), signingKey: fields.read("signing_key"),
            accessTokenTTL: fields.duration("access_token_ttl", default: .seconds(900)),
            refreshTokenTTL: fields.duration("refresh_token_ttl", default: .seconds(30 * 86_400)),
            corsOrigins: fields.read("cors_origins", default: []), bodyLimit: fields.read("body_limit", default: ByteSize(bytes: 1 << 20)),
            lockout: fields.read("lockout", default: Lockout()), rateLimits: fields.read("rate_limits", default: RateLimits()),
            wsQueue: fields.read("ws_queue", default: 256))
        if let key = signingKey, key.reference == nil {
            fields.problem("a signing key must not be written in clear: use ${file:PATH}, ${env:NAME} or ${credential:NAME}", at: "signing_key")
        } else if let key = signingKey, key.value.utf8.count < 32 {
            fields.problem("a signing key needs at least 32 bytes", at: "signing_key")
        }
        if accessTokenTTL <= .zero { fields.problem("must be greater than 0s", at: "access_token_ttl") }
        if refreshTokenTTL <= accessTokenTTL { fields.problem("must be longer than access_token_ttl", at: "refresh_token_ttl") }
        if bodyLimit.bytes < 1024 { fields.problem("must be at least 1KiB", at: "body_limit") }
        if wsQueue < 1 { fields.problem("must be 1 or more", at: "ws_queue") }
        for (index, origin) in corsOrigins.enumerated() where URL(string: origin)?.scheme == nil || origin.hasSuffix("/") {
            fields.problem("cors_origins[\(index)]: expected an origin such as https://warden.example.com, found '\(origin)'", at: "cors_origins")
        }
    }
}
