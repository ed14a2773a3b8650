import API
import Accounts
import Alerting
import ArgumentParser
import Foundation
import Engine
import Hummingbird
import Logging
import Runbooks
import Storage
import TradingStore
import WardenCore
import WardenProtocol
import Worker

struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "The API worker (started by the supervisor), and its blocklist.",
        subcommands: [APIServe.self, APIUnblock.self, APIBlocked.self],
        defaultSubcommand: APIServe.self)
}

struct APIServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API on api.listen (what `warden api` runs).",
        discussion: """
            Every endpoint is under /api/v1, described at /api/v1/openapi.json and /api/docs. Reads come from the \
            database; trading and operations act through the engine's and the supervisor's sockets. READY=1 once both \
            the listener and RUNTIME_DIR/<name>.sock (health, metrics, the blocklist) are up.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let directories = options.directories(for: configuration)
        let name = ProcessInfo.processInfo.environment["WARDEN_CHILD_NAME"] ?? "api"
        let logger = try LogBootstrap.start(configuration, label: "warden.api")
        let settings = configuration.api
        let scheme = settings.tls == nil ? "http" : "https"
        do {
            let key = try SigningKey.load(settings, stateDirectory: directories.state)
            let location = try DatabaseLocation(settings: configuration.database, stateDirectory: directories.state)
            if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                throw WardenError(.unavailable, "no database yet (the supervisor migrates it before starting the API)", location: path)
            }
            try await DatabaseHandle.with(location, logger: logger) { handle in
                let accounts = AccountStore(handle: handle, logger: logger)
                let tokens = await AccessTokens(signingKey: key, lifetime: settings.accessTokenTTL.milliseconds)
                let services = APIServices(
                    settings: settings, accounts: accounts, tokens: tokens, store: handle.tradingStore(),
                    engineSocket: directories.workerSocket("engine"), supervisorSocket: directories.controlSocket,
                    engineSettings: configuration.engine, backtestData: Self.candleFiles(configuration.engine), runbooks: Self.runbooks(logger: logger),
                    stateDirectory: directories.state)
                let server = APIServer(services: services, alerts: handle.alertStore())
                let listening = Listening()
                let app = try server.application(logger: logger) { port in
                    logger.notice("API listening", metadata: ["url": "\(scheme)://\(settings.host):\(port)/api/v1"])
                    listening.open()
                }
                var worker = WorkerService(
                    role: "api", name: name, socketPath: directories.workerSocket(name),
                    readyStatus: "api: serving \(scheme)://\(settings.host):\(settings.port)/api/v1", logger: logger, work: app,
                    metrics: { server.metrics.families() })
                worker.ready = { await listening.wait() }
                worker.moreWork = server.liveServices(engineSocket: directories.workerSocket("engine"), logger: logger)
                worker.routes = { router in APIBlocklistRoutes.add(to: router, server: server) }
                try await worker.run()
            }
        } catch let error as WardenError {
            throw fail(error)
        } catch {
            throw fail(WardenError(.runtime, "\(error)", location: "\(settings.host):\(settings.port)"))
        }
    }
}

/// Opens once the listener is bound; `wait` returns from then on.
final class Listening: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.finish() }

    func wait() async { for await _ in stream {} }
}

/// The blocklist on the worker socket (reached as root or the service user only: the socket is 0600).
enum APIBlocklistRoutes {
    struct Reply: ResponseCodable {
        var ok: Bool
        var message: String
        var blocked: [String]
    }

    static func add(to router: Router<BasicRequestContext>, server: APIServer) {
        router.get("/v1/blocked") { _, _ in Reply(ok: true, message: "\(server.blockedAddresses.count) blocked", blocked: server.blockedAddresses) }
        router.post("/v1/unblock") { request, _ in
            guard let address = request.uri.queryParameters["ip"].map(String.init), !address.isEmpty else {
                throw HTTPError(.badRequest, message: "name the address: ?ip=ADDRESS")
            }
            let lifted = server.unblock(address)
            return Reply(ok: lifted, message: lifted ? "\(address) is unblocked" : "\(address) was not blocked", blocked: server.blockedAddresses)
        }
    }
}

struct APIUnblock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Lift the block on an address that failed authentication too often.")
    @Argument(help: "The address, as the API's security log names it.") var ip: String
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let reply = try await blocklistCall(options, "POST", "/v1/unblock?ip=\(ip.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".:"))) ?? ip)")
        print(reply.message)
        if !reply.ok { throw ExitCode(1) }
    }
}

struct APIBlocked: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blocked", abstract: "List the addresses the API is blocking.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        let reply = try await blocklistCall(options, "GET", "/v1/blocked")
        for address in reply.blocked { print(address) }
    }
}

private func blocklistCall(_ options: CommonOptions, _ method: String, _ path: String) async throws -> APIBlocklistRoutes.Reply {
    let configuration = try options.loadConfiguration()
    let socket = options.directories(for: configuration).workerSocket("api")
    do {
        return try await SocketClient(socketPath: socket, timeout: .seconds(10), peer: "API worker").call(method, path, as: APIBlocklistRoutes.Reply.self)
    } catch let error as WardenError {
        throw fail(error)
    }
}

extension APIServe {
    /// The candle file of each market the engine replays (the bundled sample for the first when
    /// none is named, as the engine does): what API backtests run over.
    static func candleFiles(_ engine: EngineSettings) -> [String: String] {
        var files: [String: String] = [:]
        for (index, market) in engine.markets.enumerated() {
            if let file = market.file ?? (index == 0 ? BundledData.defaultReplayFile() : nil) { files[market.symbol] = file }
        }
        return files
    }

    /// The runbooks a recovery started through the API may run (none, said in the log, when no directory is found).
    static func runbooks(logger: Logger) -> RunbookCatalog {
        guard let directory = RunbookLibrary.defaultDirectory() else { return RunbookCatalog() }
        do {
            let library = try RunbookLibrary(directory: directory)
            return RunbookCatalog(
                directory: library.directory,
                entries: library.runbooks.map { .init(name: $0.name, title: $0.title, destructive: $0.steps.contains(where: \.destructive), needs: $0.neededParameters) })
        } catch {
            logger.warning("the runbooks could not be read; recovery from the API is off", metadata: ["directory": "\(directory)", "error": "\(error)"])
            return RunbookCatalog()
        }
    }
}
