import Foundation
import Logging
import Synchronization
import Trading

/// BingX's user data stream: a listen key (made, extended every 30 minutes, made anew when BingX
/// says it expired, deleted on a clean stop) and the account's order pushes (spot's
/// `spot.executionReport`, swap's `ORDER_TRADE_UPDATE`). A push only tells the venue which order changed: `BingXVenue.takeEvents` then asks
/// REST about that one (the states and trades the loop settles stay REST's, each trade once). While
/// the stream is down every followed order is polled as before, so nothing waits on it.
public final class BingXUserStream: Sendable {
    let client: BingXClient
    let url: String
    let venue: BingXVenue
    let logger: Logger
    let extendEvery: Duration
    /// The listen key in use, deleted when the stream stops.
    let key = Mutex<String?>(nil)

    /// `url`: the market stream's URL; the user stream is the same with `?listenKey=`.
    public init(client: BingXClient, url: String, venue: BingXVenue, logger: Logger, extendEvery: Duration = .seconds(30 * 60)) {
        self.client = client
        self.url = url
        self.venue = venue
        self.logger = logger
        self.extendEvery = extendEvery
    }

    /// Until cancelled; then the listen key is deleted.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            let made: Result<String?, VenueError>
            do { made = .success(try await client.listenKey(.POST)) } catch { made = .failure(error) }
            guard case .success(let created?) = made else {
                failures += 1
                logger.warning("BingX did not give a listen key; order updates are polled meanwhile", metadata: ["answer": "\(made)"])
                do { try await Task.sleep(for: StreamConnection.backoff(failures: failures)) } catch { break }
                continue
            }
            key.withLock { $0 = created }
            let expired = await session(created)
            venue.userStream(up: false)
            if expired {
                logger.info("BingX's listen key expired; making a new one")
                continue
            }
            failures += 1
            if Task.isCancelled { break }
            client.metrics.reconnecting("user")
            do { try await Task.sleep(for: StreamConnection.backoff(failures: failures)) } catch { break }
        }
        // Its own task: this one is cancelled, the request must still go.
        if let last = key.withLock({ $0 }) {
            let client = client
            await Task { _ = try? await client.listenKey(.DELETE, key: last) }.value
        }
    }

    /// One connection on `listenKey`, extended while it lasts; true when BingX said the key expired.
    func session(_ listenKey: String) async -> Bool {
        let expired = Flag()
        let separator = url.contains("?") ? "&" : "?"
        let connection = StreamConnection(
            name: "user", url: url + separator + "listenKey=" + listenKey, subscriptions: venue.api.userSubscriptions,
            silence: .seconds(30), metrics: client.metrics, logger: logger)
        let venue = venue
        let client = client
        let extendEvery = extendEvery
        // Swap pushes every event unasked: its stream is up once anything arrives on it.
        let upOnAnyFrame = venue.api.userSubscriptions.isEmpty
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = await connection.run(isLive: { _ in true }) { frame, _ in
                    if upOnAnyFrame { venue.userStream(up: true) }
                    switch frame {
                    case .subscribed(_, 0, _): venue.userStream(up: true)
                    case .execution(let orderID, let clientOrderID, _): venue.pushed(orderID: orderID, clientOrderID: clientOrderID)
                    case .account(let symbols): venue.positionsChanged(in: symbols)
                    case .listenKeyExpired:
                        expired.set()
                        throw StreamConnection.Closing()
                    default: break
                    }
                }
            }
            group.addTask {
                // BingX's keys last an hour; extended every half hour, as it recommends.
                while !Task.isCancelled {
                    do { try await Task.sleep(for: extendEvery) } catch { return }
                    let outcome: Result<String?, VenueError>
                    do { outcome = .success(try await client.listenKey(.PUT, key: listenKey)) } catch { outcome = .failure(error as? VenueError ?? VenueError(.unknown, "\(error)")) }
                    if case .failure(let error) = outcome, error.code == .orderNotFound {
                        expired.set()
                        return
                    }
                }
            }
            // Whichever ends first (the connection, or a key BingX forgot) ends the session.
            await group.next()
            group.cancelAll()
        }
        return expired.isSet
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
