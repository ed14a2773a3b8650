/// Wakes a waiting loop early: `ring()` ends the current or the next `wait(until:)`. A ring that
/// finds nobody waiting is kept, so a wake-up is never lost (at worst one wait returns early).
actor Doorbell {
    private var waiter: CheckedContinuation<Void, Never>?
    private var rung = false

    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            rung = true
        }
    }

    private func park() async {
        if rung {
            rung = false
            return
        }
        await withCheckedContinuation { waiter = $0 }
    }

    /// Returns at `deadline`, when rung, or when the task is cancelled, whichever is first.
    nonisolated func wait(until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler { await self.park() } onCancel: { Task { await self.ring() } }
            }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }
}
