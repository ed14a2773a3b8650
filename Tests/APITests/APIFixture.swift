import Accounts
import Alerting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Storage
import TradingStore
import Synchronization
import Trading
import WardenCore
@testable import API

/// A clock the tests move by hand (tokens, rate limits and lockouts all read it).
final class TestClock: Sendable {
    private let value = Mutex<Int64>(1_800_000_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(seconds: Double) { value.withLock { $0 += Int64(seconds * 1000) } }
}

/// A migrated SQLite database with three users (one per role), the API server on it, and a client
/// driving its router in process. Neither the engine nor the supervisor runs: their routes answer 503.
struct APIFixture: Sendable {
    static let password = "correct horse battery"
    let server: APIServer
    let accounts: AccountStore
    let clock: TestClock
    let directory: String

    static func with(
        _ settings: APISettings = APISettings(), store: (any TradingStore)? = nil, engineSettings: EngineSettings = EngineSettings(),
        backtestData: [String: String] = [:], runbooks: RunbookCatalog = RunbookCatalog(),
        _ body: @escaping @Sendable (APIFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "warden-api-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let location = DatabaseLocation.sqlite(path: directory + "/warden.sqlite")
        _ = try await Migrator(location: location, wardenVersion: "test", logger: Logger(label: "test")).migrate()
        let handle = try DatabaseHandle(location)
        let clock = TestClock()
        let accounts = AccountStore(handle: handle, logger: Logger(label: "test"), bcryptCost: 4, now: { clock.now })
        for (name, role) in [("alice", Role.admin), ("oscar", .operator), ("vera", .viewer)] {
            try await accounts.addUser(name: name, password: password, role: role, actor: "test")
        }
        let tokens = await AccessTokens(signingKey: Data((0..<32).map { UInt8($0) }), lifetime: settings.accessTokenTTL.milliseconds, now: { clock.now })
        let services = APIServices(
            settings: settings, accounts: accounts, tokens: tokens, store: store ?? handle.tradingStore(), engineSocket: directory + "/engine.sock",
            supervisorSocket: directory + "/control.sock", engineSettings: engineSettings, backtestData: backtestData, runbooks: runbooks, stateDirectory: directory, now: { clock.now })
        let server = APIServer(services: services, alerts: handle.alertStore())
        let fixture = APIFixture(server: server, accounts: accounts, clock: clock, directory: directory)
        try await Application(router: server.router()).test(.router) { client in try await body(fixture, client) }
    }
}

struct Tokens: Decodable {
    var accessToken: String
    var refreshToken: String
    var tokenType: String
    var expiresIn: Int
    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", refreshToken = "refresh_token", tokenType = "token_type", expiresIn = "expires_in"
    }
}

struct ErrorBody: Decodable {
    struct Inner: Decodable {
        var code: String
        var message: String
        var field: String?
    }
    var error: Inner
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: "/api/v1" + path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func login(_ name: String, password: String = APIFixture.password) async throws -> Tokens {
        let response = try await call(.post, "/auth/login", json: #"{"username": "\#(name)", "password": "\#(password)"}"#)
        guard response.status == .ok else { throw WardenError(.runtime, "login as \(name) answered \(response.status): \(String(buffer: response.body))") }
        return try JSONDecoder().decode(Tokens.self, from: response.body)
    }
}

extension TestResponse {
    var problem: ErrorBody.Inner? { (try? JSONDecoder().decode(ErrorBody.self, from: body))?.error }
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: body)) }
}
