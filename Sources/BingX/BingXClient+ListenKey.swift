import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Trading

extension BingXClient {
    static let listenKeyPath = "/openApi/user/auth/userDataStream"

    /// The user data stream's listen key, as BingX documents it: created with POST (it lasts an
    /// hour), kept with PUT (every 30 minutes), deleted with DELETE. These take the API key header
    /// and no signature. POST answers `{"listenKey": ...}`, bare or inside the usual envelope; PUT
    /// and DELETE answer 404 for a key BingX no longer knows (`orderNotFound` here: make a new one).
    func listenKey(_ method: HTTPMethod, key: String? = nil) async throws(VenueError) -> String? {
        guard let credentials else { throw VenueError(.authentication, "the user data stream needs API keys (engine.exchange.api_key)") }
        try await waitForLimit(.account)
        let query = key.map { BingXSigner.query(["listenKey": $0]) } ?? ""
        var request = HTTPClientRequest(url: baseURL + Self.listenKeyPath + (query.isEmpty ? "" : "?" + query))
        request.method = method
        request.headers.add(name: "X-BX-APIKEY", value: credentials.apiKey)
        request.headers.add(name: "User-Agent", value: "warden")
        let started = ContinuousClock.now
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await Self.client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            metrics.record(endpoint: Self.listenKeyPath, method: method.rawValue, result: "unknown", seconds: started.duration(to: .now).seconds)
            throw VenueError(.unknown, "\(Self.listenKeyPath): no answer: \(error)")
        }
        let result = status == 404 ? "order_not_found" : status == 429 ? "rate_limited" : status < 300 ? "ok" : "unknown"
        metrics.record(endpoint: Self.listenKeyPath, method: method.rawValue, result: result, seconds: started.duration(to: .now).seconds)
        switch status {
        case 404: throw VenueError(.orderNotFound, "BingX no longer knows the listen key")
        case 429, 418: throw VenueError(.rateLimited, "\(Self.listenKeyPath): HTTP \(status)")
        case 200..<300: break
        default: throw VenueError(.unknown, "\(Self.listenKeyPath): HTTP \(status)")
        }
        guard method == .POST else { return nil }
        struct Key: Decodable { let listenKey: String }
        struct Wrapped: Decodable { let code: Int?; let msg: String?; let data: Key? }
        let data = Data(body.readableBytesView)
        if let bare = try? JSONDecoder().decode(Key.self, from: data) { return bare.listenKey }
        if let wrapped = try? JSONDecoder().decode(Wrapped.self, from: data) {
            if let key = wrapped.data?.listenKey { return key }
            if let code = wrapped.code, code != 0 { throw BingXErrors.error(code: code, message: wrapped.msg ?? "") }
        }
        throw VenueError(.unknown, "\(Self.listenKeyPath): an answer without a listenKey: \(String(decoding: data.prefix(200), as: UTF8.self))")
    }
}
