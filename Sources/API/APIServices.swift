import Accounts
import Foundation
import Synchronization
import Trading
import WardenCore
import WardenProtocol

/// What the routes reach: the database (accounts and the trading journal) directly for reads, and
/// the engine and the supervisor only through their sockets for anything that acts.
public struct APIServices: Sendable {
    public var settings: APISettings
    public var accounts: AccountStore
    public var tokens: AccessTokens
    public var store: any TradingStore
    public var engine: EngineClient
    public var supervisor: SocketClient
    /// The engine's configuration: its markets (and their candle files, for backtests) and risk limits.
    public var engineSettings: EngineSettings
    /// Each market's candle file, for backtest jobs (the engine's replay files).
    public var backtestData: [String: String]
    /// The runbooks a recovery may be started with.
    public var runbooks: RunbookCatalog
    /// Where backtest jobs keep their request, progress and result.
    public var stateDirectory: String
    /// Milliseconds since the epoch; tests move it.
    public var now: @Sendable () -> Int64

    public init(
        settings: APISettings, accounts: AccountStore, tokens: AccessTokens, store: any TradingStore, engineSocket: String,
        supervisorSocket: String, engineSettings: EngineSettings = EngineSettings(), backtestData: [String: String] = [:], runbooks: RunbookCatalog = RunbookCatalog(), stateDirectory: String, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.settings = settings
        self.accounts = accounts
        self.tokens = tokens
        self.store = store
        engine = EngineClient(socketPath: engineSocket)
        supervisor = SocketClient(socketPath: supervisorSocket, timeout: .seconds(10), peer: "supervisor")
        self.engineSettings = engineSettings
        self.stateDirectory = stateDirectory
        self.backtestData = backtestData
        self.runbooks = runbooks
        self.now = now
    }
}

/// The runbooks directory as the composition root found it: each runbook's name, title and
/// whether any step is destructive (a recovery from the API must confirm those).
public struct RunbookCatalog: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var title: String
        public var destructive: Bool
        /// Placeholders without a default, which a run must be given.
        public var needs: [String]

        public init(name: String, title: String, destructive: Bool, needs: [String] = []) {
            self.name = name
            self.title = title
            self.destructive = destructive
            self.needs = needs
        }
    }

    public var directory: String?
    public var entries: [Entry]

    public init(directory: String? = nil, entries: [Entry] = []) {
        self.directory = directory
        self.entries = entries
    }
}

/// Users by id for a moment, so an access token costs no database read on every request while a
/// disable or a role change still takes effect within `ttl`.
final class UserCache: Sendable {
    private let accounts: AccountStore
    private let ttl: Int64
    private let entries = Mutex([Int64: (user: UserRecord?, at: Int64)]())

    init(accounts: AccountStore, ttl: Int64 = 2_000) {
        self.accounts = accounts
        self.ttl = ttl
    }

    func user(_ id: Int64) async throws -> UserRecord? {
        let at = accounts.now()
        if let cached = entries.withLock({ $0[id] }), at - cached.at < ttl { return cached.user }
        let user = try await accounts.user(id: id)
        entries.withLock { $0[id] = (user, at) }
        return user
    }

    /// Forgets a user at once (after the API itself disabled or changed them).
    func forget(_ id: Int64) { _ = entries.withLock { $0.removeValue(forKey: id) } }
}
