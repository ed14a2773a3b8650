import Foundation
import Synchronization
import Telemetry

/// The repository's state as metrics for the supervisor's /metrics, read from the manifests
/// (so backups taken by hand or by cron count too), at most once per `refresh`.
public final class BackupMonitor: Sendable {
    public let repository: BackupRepository
    private let refresh: Duration
    private let cache = Mutex<(at: ContinuousClock.Instant, families: [MetricFamily])?>(nil)

    public init(repository: BackupRepository, refresh: Duration = .seconds(10)) {
        self.repository = repository
        self.refresh = refresh
    }

    public func families() -> [MetricFamily] {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.at < refresh { return cached.families }
        let families = Self.families(repository.manifests().manifests)
        cache.withLock { $0 = (now, families) }
        return families
    }

    static func families(_ manifests: [BackupManifest]) -> [MetricFamily] {
        let latest = manifests.max { $0.finishedAt < $1.finishedAt }
        let verified = manifests.compactMap(\.verifiedAt).max()
        var families: [MetricFamily] = [
            .single("warden_backups", .gauge, "Backups in the repository.", [([], Double(manifests.count))]),
            .single("warden_backup_repository_bytes", .gauge, "Bytes of all archives in the repository.",
                    [([], Double(manifests.reduce(Int64(0)) { $0 + $1.sizeBytes }))]),
        ]
        if let latest {
            families += [
                .single("warden_backup_last_success_timestamp_seconds", .gauge, "When the newest backup finished (Unix seconds).",
                        [([], latest.finishedAt.timeIntervalSince1970)]),
                .single("warden_backup_duration_seconds", .gauge, "How long the newest backup took.", [([], latest.durationSeconds)]),
                .single("warden_backup_size_bytes", .gauge, "Size of the newest backup's archive.", [([], Double(latest.sizeBytes))]),
            ]
        }
        if let verified {
            families.append(.single(
                "warden_backup_last_verified_timestamp_seconds", .gauge,
                "When a backup was last verified by a restore (Unix seconds).", [([], verified.timeIntervalSince1970)]))
        }
        return families
    }
}
