#!/usr/bin/env bash
# Runs every integration suite against the built binary; fails if any check fails. Nothing is
# skipped: a missing peer (systemd, systemd-analyze) is a failure.
set -u
cd "$(dirname "$0")/.."
failed=0
for suite in tests/integration/unit_file.sh tests/integration/bad_input.sh \
             tests/integration/supervisor_faults.sh tests/integration/intensity_and_shutdown.sh tests/integration/prometheus.sh \
             tests/integration/monitoring_assets.sh tests/integration/logging.sh tests/integration/postgres.sh tests/integration/backup_sqlite.sh \
             tests/integration/backup_postgres.sh tests/integration/backup_s3.sh tests/integration/indicators.sh tests/integration/backtest.sh tests/integration/optimize.sh tests/integration/report.sh tests/integration/risk.sh tests/integration/allocation.sh tests/integration/engine.sh tests/integration/engine_postgres.sh \
             tests/integration/alerting.sh tests/integration/alerting_postgres.sh tests/integration/recovery.sh tests/integration/bingx.sh tests/integration/bingx_swap.sh tests/integration/api.sh tests/integration/dashboard.sh tests/integration/systemd_user.sh; do
  bash "$suite" || failed=$((failed + 1))
done
if [ "$failed" -ne 0 ]; then
  echo "integration: $failed suite(s) failed"
  exit 1
fi
echo "integration: all suites passed"
