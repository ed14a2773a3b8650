import Foundation
import Testing
import WardenCore
@testable import Backup

@Suite("Retention with restic's forget semantics")
struct RetentionTests {
    static let day = 86_400.0

    /// Backups at the given offsets in hours before 2026-03-31 12:00 UTC (a Tuesday).
    func backups(hoursAgo: [Double], verified: Set<Int> = []) -> [BackupManifest] {
        let now = Date(timeIntervalSince1970: 1_774_958_400)
        return hoursAgo.enumerated().map { index, hours in
            let at = now.addingTimeInterval(-hours * 3600)
            return BackupManifest(
                id: "b\(index)", engine: "sqlite", source: "x", archive: "b\(index).wbk", startedAt: at, finishedAt: at,
                sizeBytes: 1, dumpBytes: 1, sha256: "", encryption: "none", compression: "none", schemaVersion: 1,
                wardenVersion: "t", tables: [:], verifiedAt: verified.contains(index) ? at : nil)
        }
    }

    func kept(_ plan: RetentionPlan) -> Set<String> { Set(plan.entries.filter(\.keep).map(\.id)) }

    @Test("keep_last keeps the newest N")
    func keepLast() {
        let plan = RetentionPlan(backups: backups(hoursAgo: [1, 2, 3, 4, 5]), policy: .init(keepLast: 2))
        #expect(kept(plan) == ["b0", "b1"])
        #expect(plan.removals.map(\.id) == ["b2", "b3", "b4"])
    }

    @Test("keep_daily keeps the newest of each of the last N days that have backups")
    func keepDaily() {
        // Day 0: 1h, 5h ago; day -1: 30h; day -3 (a gap on day -2): 80h, 81h.
        let plan = RetentionPlan(backups: backups(hoursAgo: [1, 5, 30, 80, 81]), policy: .init(keepDaily: 3))
        #expect(kept(plan) == ["b0", "b2", "b3"])
    }

    @Test("weekly buckets are ISO weeks and monthly buckets calendar months, in UTC")
    func weeklyMonthly() {
        // 2026-03-31 is in ISO week 14; 3 days back (Saturday 28th) is week 13; 40 days back is February.
        let list = backups(hoursAgo: [1, 72, 74, 40 * 24, 41 * 24])
        #expect(kept(RetentionPlan(backups: list, policy: .init(keepWeekly: 2))) == ["b0", "b1"])
        #expect(kept(RetentionPlan(backups: list, policy: .init(keepMonthly: 2))) == ["b0", "b3"])
    }

    @Test("rules combine: a backup kept by any rule stays, with every reason listed")
    func combined() {
        let plan = RetentionPlan(backups: backups(hoursAgo: [1, 2, 30, 60]), policy: .init(keepLast: 1, keepDaily: 2))
        #expect(kept(plan) == ["b0", "b2"])
        #expect(plan.entries.first { $0.id == "b0" }?.reasons == ["last", "daily"])
    }

    @Test("the newest verified backup is never deleted, whatever the policy")
    func newestVerified() {
        let plan = RetentionPlan(backups: backups(hoursAgo: [1, 2, 3, 4], verified: [2, 3]), policy: .init(keepLast: 1))
        #expect(kept(plan) == ["b0", "b2"])
        #expect(plan.entries.first { $0.id == "b2" }?.reasons == ["newest verified"])
    }

    @Test("without any rule, nothing is deleted")
    func emptyPolicy() {
        #expect(RetentionPlan(backups: backups(hoursAgo: [1, 2, 3]), policy: .init()).removals.isEmpty)
    }
}
