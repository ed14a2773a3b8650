import Foundation

extension LoopState {
    /// The venue's balances against the journal: each market's base asset must hold at least what
    /// the slots hold (within a step), or on a swap account each market's position must be theirs,
    /// and the quote at least the loop's cash. Less fails closed:
    /// no new entries (exits, stops and cancels still go) until a later check agrees or an
    /// operator resumes. More is not Warden's (dust a fee left, the owner's own coins): logged only.
    /// A check that cannot be made (the venue not answering) changes nothing.
    mutating func checkBalances(loop: LoopContext, batch: inout JournalBatch, at time: Int64) async {
        guard let balances = try? await loop.venue.balances() else { return }
        let totals = Dictionary(balances.map { ($0.asset, $0.free + $0.locked) }, uniquingKeysWith: +)
        var shortfalls: [String] = []
        var bases: [String: (held: Decimal, step: Decimal)] = [:]
        for slot in slots {
            let instrument = instruments[slot.market]
            bases[instrument.base, default: (0, instrument.stepSize)].held += slot.quantity
        }
        if loop.live?.holdsPositions == true {
            // A swap account holds positions: each traded market's must be the journal's, within a
            // step, either way (a larger one is somebody else's trading on these keys).
            guard let positions = try? await loop.venue.positions() else { return }
            var held: [String: (journal: Decimal, step: Decimal)] = [:]
            for slot in slots { held[instruments[slot.market].symbol, default: (0, instruments[slot.market].stepSize)].journal += slot.quantity }
            for (market, expected) in held.sorted(by: { $0.key < $1.key }) {
                let actual = positions.filter { $0.market == market }.reduce(Decimal(0)) { $0 + $1.quantity }
                if abs(actual - expected.journal) >= expected.step {
                    shortfalls.append("\(market): the journal's position is \(expected.journal), the exchange's \(actual)")
                }
            }
        } else {
            for (asset, expected) in bases.sorted(by: { $0.key < $1.key }) {
                let actual = totals[asset] ?? 0
                if actual + expected.step < expected.held { shortfalls.append("\(asset): the journal holds \(expected.held), the exchange \(actual)") }
            }
        }
        if let quote = instruments.first?.quote {
            let actual = totals[quote] ?? 0
            let expected = Decimal(cash)
            if actual + 1 < expected { shortfalls.append("\(quote): the journal's cash is \(Instrument.rounded(expected, to: 0.01, .plain)), the exchange holds \(actual)") }
        }
        let reason = shortfalls.isEmpty ? nil : "balances differ from the journal: " + shortfalls.joined(separator: "; ")
        guard reason != failedClosed else { return }
        if let reason {
            batch.audit.append(AuditEntry(time: time, actor: "reconciliation", action: "trading.fail_closed", target: "trading", detail: reason))
        } else {
            batch.audit.append(AuditEntry(time: time, actor: "reconciliation", action: "trading.reconciled", target: "trading", detail: "balances agree again; was: \(failedClosed!)"))
        }
        failedClosed = reason
        loop.observer?.failedClosed(reason, at: time)
    }

    /// Open orders at the venue that the journal does not know (placed by hand on the website,
    /// another bot on the same keys): each reported once (audit, log, metric) and left alone, since
    /// they are not Warden's to cancel. A check that cannot be made changes nothing.
    mutating func checkOpenOrders(loop: LoopContext, batch: inout JournalBatch, at time: Int64) async {
        guard let open = try? await loop.venue.openOrders(), let journal = try? await loop.store.openOrders() else { return }
        let ids = Set(journal.map(\.order.clientOrderID))
        let exchangeIDs = Set(journal.compactMap(\.exchangeOrderID))
        let external = open.filter { report in
            lifecycles[report.clientOrderID] == nil && !ids.contains(report.clientOrderID) && !(report.exchangeOrderID.map(exchangeIDs.contains) ?? false)
        }
        var seen: Set<String> = []
        for report in external {
            let key = report.exchangeOrderID ?? report.clientOrderID
            seen.insert(key)
            guard !externalOrders.contains(key) else { continue }
            batch.audit.append(AuditEntry(
                time: time, actor: "reconciliation", action: "order.external", target: "order:\(key)",
                detail: "\(report.side.rawValue) on \(report.market), \(report.status.rawValue), not placed by Warden: left alone"))
        }
        if seen != externalOrders { loop.observer?.externalOrders(seen.sorted()) }
        externalOrders = seen
    }
}
