/// `body`'s result, or the error `expired` makes once `limit` passes first (the body is then
/// cancelled): a database that does not answer is an error, not a hang on the pool's retries.
public func withDeadline<T: Sendable>(
    _ limit: Duration, expired: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw expired()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
