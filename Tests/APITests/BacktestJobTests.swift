import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import WardenProtocol
@testable import API

@Suite("Backtest jobs: requests checked, files read, states told")
struct BacktestJobTests {
    static let data = ["BTC-USDT": "/data/btc.csv", "ETH-USDT": "/data/eth.csv"]

    @Test func aBadRequestIsRefusedNamingTheFieldAndNothingIsWritten() async throws {
        try await APIFixture.with(backtestData: Self.data) { fixture, client in
            let token = try await client.login("oscar").accessToken
            let cases: [(String, String)] = [
                (#"{"strategies": []}"#, "strategies"),
                (#"{"strategies": ["macd"]}"#, "strategies[0]"),
                (#"{"strategies": ["cci"], "markets": ["DOGE-USDT"]}"#, "markets[0]"),
                (#"{"strategies": ["cci"], "parameters": {"rsi_macd": {"fast": 3}}}"#, "parameters.rsi_macd"),
                (#"{"strategies": ["cci"], "parameters": {"cci": {"period": -4}}}"#, "parameters.cci"),
                (#"{"strategies": ["cci"], "fee": 0.7}"#, "fee"),
                (#"{"strategies": ["cci"], "cash": 0}"#, "cash"),
                (#"{"strategies": ["cci"], "from": 2000, "to": 1000}"#, "from"),
            ]
            for (body, field) in cases {
                let response = try await client.call(.post, "/backtests", token: token, json: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(String(buffer: response.body).contains("\"field\":\"\(field)\""), "\(body): \(String(buffer: response.body))")
            }
            let viewer = try await client.login("vera").accessToken
            #expect(try await client.call(.post, "/backtests", token: viewer, json: #"{"strategies": ["cci"]}"#).status == .forbidden)
            #expect(!FileManager.default.fileExists(atPath: BacktestJobFiles.root(fixture.directory)))
        }
    }

    @Test func withoutASupervisorTheJobIsRefusedAndRecordedAsFailed() async throws {
        try await APIFixture.with(backtestData: Self.data) { fixture, client in
            let token = try await client.login("oscar").accessToken
            let response = try await client.call(.post, "/backtests", token: token, json: #"{"strategies": ["cci", "bollinger"], "markets": ["ETH-USDT"]}"#)
            #expect(response.status == .serviceUnavailable)
            let list = try await client.call(.get, "/backtests", token: token)
            let jobs = try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as! [[String: Any]]
            #expect(jobs.count == 1)
            #expect(jobs.first?["state"] as? String == "failed")
            #expect((jobs.first?["error"] as? String)?.contains("supervisor") == true)
            let request = jobs.first?["request"] as? [String: Any]
            #expect(request?["requested_by"] as? String == "oscar")
            #expect(request?["markets"] as? [String] == ["ETH-USDT"])
            _ = fixture
        }
    }

    @Test func aFinishedJobIsListedWithItsSummaryAndItsResultPassedThrough() async throws {
        try await APIFixture.with(backtestData: Self.data) { fixture, client in
            let files = BacktestJobFiles(stateDirectory: fixture.directory, id: "bt-0123456789abcdef")
            try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
            let request = BacktestJobRequest(
                strategies: ["cci"], markets: ["BTC-USDT"], parameters: [:], from: nil, to: nil, fee: 0.001, slippageBps: 0, cash: 10_000,
                requestedBy: "user:oscar", requestedAt: 5)
            try files.write(request, to: files.request)
            try files.write(BacktestJobProgress(state: "done", fraction: 1, startedAt: 6, finishedAt: 9, summary: ["total_return": 0.25]), to: files.progress)
            try BacktestJobFiles.writeWhole(Data(#"{"bars": 3, "trades": [{"pnl": 1}]}"#.utf8), to: files.result)
            let token = try await client.login("vera").accessToken
            let one = try await client.call(.get, "/backtests/bt-0123456789abcdef", token: token)
            #expect(one.status == .ok)
            let job = try JSONSerialization.jsonObject(with: Data(buffer: one.body)) as! [String: Any]
            #expect(job["state"] as? String == "done")
            #expect((job["summary"] as? [String: Double])?["total_return"] == 0.25)
            #expect((job["result"] as? [String: Any])?["bars"] as? Int == 3)
            let operatorToken = try await client.login("oscar").accessToken
            #expect(try await client.call(.post, "/backtests/bt-0123456789abcdef/cancel", token: operatorToken).status == .conflict)
            #expect(try await client.call(.get, "/backtests/bt-fedcba9876543210", token: token).status == .notFound)
            #expect(try await client.call(.get, "/backtests/..%2F..%2Fetc", token: token).status == .notFound)
        }
    }

    @Test func cancellingAQueuedJobLeavesAMarkerAndCancelsIt() async throws {
        try await APIFixture.with(backtestData: Self.data) { fixture, client in
            let files = BacktestJobFiles(stateDirectory: fixture.directory, id: "bt-00000000000000aa")
            try FileManager.default.createDirectory(atPath: files.directory, withIntermediateDirectories: true)
            try files.write(BacktestJobRequest(
                strategies: ["cci"], markets: ["BTC-USDT"], parameters: [:], from: nil, to: nil, fee: 0.001, slippageBps: 0, cash: 10_000,
                requestedBy: "user:oscar", requestedAt: fixture.clock.now), to: files.request)
            try files.write(BacktestJobProgress(state: "queued"), to: files.progress)
            let token = try await client.login("oscar").accessToken
            #expect(try await client.call(.post, "/backtests/bt-00000000000000aa/cancel", token: token).status == .accepted)
            #expect(files.cancelRequested)
            #expect(files.read(BacktestJobProgress.self, from: files.progress)?.state == "cancelled")
        }
    }
}
