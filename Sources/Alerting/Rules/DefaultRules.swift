// The default rule set: prometheus/rules/warden.rules.yml, embedded so the supervisor needs no
// file to alert. A unit test keeps the two identical; regenerate with scripts/embed_rules.py.
enum DefaultRules {
    static let text = #"""
# Warden alerting and recording rules. Metric names here are a contract: each is listed in the
# README's metrics table with the part of Warden that exports it.
groups:
  # A recording rule sits in the group of the alerts that use it: rules in one group are evaluated
  # in order, so the alert always sees the value recorded in the same evaluation.
  - name: warden.supervisor
    rules:
      - record: warden:child_restarts:increase10m
        expr: sum by (instance, child) (increase(warden_child_restarts_total[10m]))
      - alert: WardenSupervisorDown
        expr: up{job="warden"} == 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Warden supervisor {{ $labels.instance }} is not answering scrapes"
          description: "Prometheus could not scrape {{ $labels.instance }} for 1 minute: the service is down or the host is unreachable."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/supervisor-down.md"
      - alert: WardenChildDown
        expr: warden_child_up == 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Warden child {{ $labels.child }} is not running on {{ $labels.instance }}"
          description: "{{ $labels.child }} has not been running and ready for 1 minute; `warden ctl status` shows its last exit."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/child-down.md"
          auto_runbook: "child-down"
      - alert: WardenRestartStorm
        expr: warden:child_restarts:increase10m > 5
        labels:
          severity: warning
        annotations:
          summary: "Warden child {{ $labels.child }} restarted {{ $value }} times in 10 minutes"
          description: "A crash loop on {{ $labels.instance }}; the supervisor gives up (exit 3) once its restart intensity is exceeded."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/restart-storm.md"
      - alert: WardenWatchdogTimeouts
        expr: increase(warden_child_watchdog_timeouts_total[15m]) > 0
        labels:
          severity: warning
        annotations:
          summary: "Warden child {{ $labels.child }} missed its watchdog"
          description: "{{ $labels.child }} on {{ $labels.instance }} stopped pinging WATCHDOG=1 and was killed for it (about {{ $value | humanize }} in 15 minutes): it hangs."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/watchdog-timeouts.md"
      - alert: WardenWorkerScrapeFailing
        expr: warden_child_scrape_success == 0
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: "Warden cannot read the {{ $labels.child }} worker's metrics"
          description: "The supervisor on {{ $labels.instance }} got no valid /metrics from {{ $labels.child }} within its timeout for 2 minutes."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/worker-scrape-failing.md"

      - alert: WardenRecoveryFailed
        expr: warden_recovery_gave_up == 1
        labels:
          severity: critical
        annotations:
          summary: "Automatic recovery {{ $labels.runbook }} gave up on {{ $labels.instance }}"
          description: "The supervisor ran every stage of {{ $labels.runbook }} and its check never held, or it ran too often this hour: a person takes over (`warden runbook show {{ $labels.runbook }}`)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/recovery-failed.md"

  - name: warden.notifications
    rules:
      - alert: WardenReceiverFailing
        expr: warden_circuit_breaker_open{breaker=~"receiver:.*"} == 1
        for: 2m
        labels:
          severity: warning
        annotations:
          summary: "Notifications through {{ $labels.breaker }} are failing"
          description: "Deliveries through {{ $labels.breaker }} failed repeatedly and its circuit is open on {{ $labels.instance }}: its notifications wait or go to its route's failover receivers."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/notifications-failing.md"
          auto_runbook: "notifications-failing"
      - alert: WardenNotificationBacklog
        expr: warden_outbox_pending > 20
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: "{{ $value }} notifications are waiting in Warden's outbox"
          description: "The outbox on {{ $labels.instance }} has held more than 20 undelivered notifications for 15 minutes."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/notifications-failing.md"
          auto_runbook: "notifications-failing"

  - name: warden.host
    rules:
      - record: warden:filesystem_avail:ratio
        expr: node_filesystem_avail_bytes / node_filesystem_size_bytes
      - record: warden:memory_available:ratio
        expr: node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes
      - alert: WardenDiskAlmostFull
        expr: warden:filesystem_avail:ratio < 0.10
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "Warden's state filesystem on {{ $labels.instance }} is {{ $value | humanizePercentage }} free"
          description: "Less than 10% free at {{ $labels.mountpoint }}: the database and backups will fail when it fills."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/disk-almost-full.md"
          auto_runbook: "disk-almost-full"
      - alert: WardenMemoryHigh
        expr: warden:memory_available:ratio < 0.10
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "Host {{ $labels.instance }} has {{ $value | humanizePercentage }} of its memory available"
          description: "Less than 10% of memory available for 5 minutes; the kernel's OOM killer may end a worker."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/memory-high.md"

  - name: warden.storage
    rules:
      - alert: WardenBackupStale
        expr: time() - warden_backup_last_success_timestamp_seconds > 2 * 86400
        labels:
          severity: warning
        annotations:
          summary: "No successful Warden backup for {{ $value | humanizeDuration }}"
          description: "The last backup on {{ $labels.instance }} succeeded more than 2 days ago."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/backup-stale.md"
      - alert: WardenBackupFailing
        expr: increase(warden_backup_failures_total[6h]) > 0
        labels:
          severity: warning
        annotations:
          summary: "Warden's scheduled backup failed on {{ $labels.instance }}"
          description: "{{ $value | humanize }} scheduled backup(s) failed in the last 6 hours; see the job:backup lines in the supervisor's log."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/backup-failing.md"
          auto_runbook: "backup-failing"
      - alert: WardenBackupUnverified
        expr: time() - warden_backup_last_verified_timestamp_seconds > 7 * 86400
        labels:
          severity: warning
        annotations:
          summary: "No Warden backup was verified by a restore for {{ $value | humanizeDuration }}"
          description: "Backups on {{ $labels.instance }} exist but none was restore-tested in 7 days (`warden backup verify ID`)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/backup-unverified.md"
      - alert: WardenDatabaseUnreachable
        expr: warden_database_up == 0
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Warden cannot reach its database on {{ $labels.instance }}"
          description: "The supervisor's database health check has failed for 1 minute; trading stops writing orders."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/database-unreachable.md"
          auto_runbook: "database-unreachable"

  - name: warden.trading
    rules:
      - alert: WardenEngineNotTrading
        expr: max without (reason) (warden_engine_halted) == 1
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "Warden's engine on {{ $labels.instance }} is not trading"
          description: "New entries have been halted for 5 minutes (a risk limit or an operator's pause; `warden trading status` says which)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/engine-not-trading.md"
      - alert: WardenDailyLossLimitHit
        expr: warden_engine_halted{reason="daily_loss"} == 1
        labels:
          severity: critical
        annotations:
          summary: "Daily loss limit hit on {{ $labels.instance }}"
          description: "The risk manager stopped new entries: today's loss reached the configured limit (`warden trading resume` once understood)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/loss-limit-hit.md"
      - alert: WardenMonthlyLossLimitHit
        expr: warden_engine_halted{reason="monthly_loss"} == 1
        labels:
          severity: critical
        annotations:
          summary: "Monthly loss limit hit on {{ $labels.instance }}"
          description: "The risk layer halted new entries: the month's loss reached the configured limit (`warden trading resume` once understood)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/monthly-loss-limit-hit.md"
      - alert: WardenRiskReducing
        expr: warden_risk_state == 1
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: "Warden's risk layer on {{ $labels.instance }} has been reducing exposure for 15 minutes"
          description: "Positions are above the exposure cap or their VaR above its limit: no new entries, and the largest position is sold each bar; it has not come under the limits."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/risk-reducing.md"
      - alert: WardenDiversificationLow
        expr: warden_portfolio_diversification_ratio < 1.05
        for: 1h
        labels:
          severity: warning
        annotations:
          summary: "The positions held on {{ $labels.instance }} move nearly as one (diversification {{ $value | humanize }})"
          description: "The diversification ratio (Σ wσ / σ) of the markets held has been under 1.05 for an hour: a shock to one is a shock to all, and the stress scenario 'correlations → 1' is close to the real risk."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/diversification-low.md"
      - alert: WardenDrawdownLimitHit
        expr: warden_engine_halted{reason="max_drawdown"} == 1
        labels:
          severity: critical
        annotations:
          summary: "Drawdown limit hit on {{ $labels.instance }}"
          description: "Equity fell from its peak by more than the configured maximum drawdown; new entries are halted until `warden trading resume`."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/drawdown-limit-hit.md"
      - alert: WardenMarketDataStale
        expr: warden_engine_market_data_age_seconds > 300
        labels:
          severity: warning
        annotations:
          summary: "Market data for {{ $labels.symbol }} is {{ $value | humanizeDuration }} old"
          description: "No candle or tick for {{ $labels.symbol }} on {{ $labels.instance }} for over 5 minutes; strategies decide on stale prices."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/market-data-stale.md"
          auto_runbook: "market-data-stale"
      - alert: WardenEngineFailClosed
        expr: warden_engine_fail_closed == 1
        labels:
          severity: critical
        annotations:
          summary: "Warden's engine on {{ $labels.instance }} fails closed: the exchange's balances disagree with its journal"
          description: "New entries are stopped (exits and stops still run) until a balance check agrees or an operator resumes after checking (`warden trading status` gives the reason)."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/fail-closed-engine.md"
      - alert: WardenExchangeCircuitOpen
        expr: warden_circuit_breaker_open{breaker=~"exchange.*"} == 1
        for: 1m
        labels:
          severity: critical
        annotations:
          summary: "Circuit breaker {{ $labels.breaker }} is open"
          description: "Calls to the exchange have failed repeatedly; {{ $labels.instance }} stopped sending orders until the breaker closes."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/exchange-circuit-open.md"

  - name: warden.api
    rules:
      - record: warden:api_request_duration_seconds:p99_5m
        expr: histogram_quantile(0.99, sum by (instance, le) (rate(warden_api_request_duration_seconds_bucket[5m])))
      - alert: WardenAPILatencyHigh
        expr: warden:api_request_duration_seconds:p99_5m > 0.5
        for: 10m
        labels:
          severity: warning
        annotations:
          summary: "Warden API p99 latency is {{ $value | humanizeDuration }}"
          description: "The 99th percentile of API request time on {{ $labels.instance }} has been above 500 ms for 10 minutes."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/api-latency-high.md"
      - alert: WardenAPIAuthFailures
        expr: sum by (instance) (increase(warden_api_auth_failures_total[5m])) > 20
        labels:
          severity: warning
        annotations:
          summary: "{{ $value | humanize }} failed API authentications in 5 minutes"
          description: "Someone is failing to log in or presenting bad tokens or keys to the API on {{ $labels.instance }}: a forgotten password, a revoked key still in use, or guessing."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/api-auth-failures.md"
      - alert: WardenAPIAddressBlocked
        expr: max by (instance) (warden_api_blocked_ips) > 0
        labels:
          severity: warning
        annotations:
          summary: "The API is blocking {{ $value }} address(es) after repeated authentication failures"
          description: "An address failed authentication api.lockout.failures times within api.lockout.window on {{ $labels.instance }}; it is refused until the block ends or `warden api unblock` lifts it."
          runbook_url: "https://github.com/warden-trading/warden/blob/main/runbooks/api-auth-failures.md"
"""#
}
