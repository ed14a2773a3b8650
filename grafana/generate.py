#!/usr/bin/env python3
"""Writes grafana/dashboards/*.json. Edit the panel lists here and re-run; the JSON is committed."""
import json, os

DATASOURCE = {"type": "prometheus", "uid": "warden-prometheus"}
HERE = os.path.dirname(os.path.abspath(__file__))


def panel(title, exprs, unit="short", kind="timeseries", legend="{{child}}", width=12, height=8):
    return {"title": title, "type": kind, "datasource": DATASOURCE,
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "gridPos": {"w": width, "h": height},
            "targets": [{"refId": chr(65 + i), "datasource": DATASOURCE, "expr": e,
                         "legendFormat": legend} for i, e in enumerate(exprs)]}


def dashboard(uid, title, panels):
    x = y = 0
    for index, p in enumerate(panels):
        if x + p["gridPos"]["w"] > 24:
            x, y = 0, y + 8
        p["gridPos"].update({"x": x, "y": y})
        p["id"] = index + 1
        x += p["gridPos"]["w"]
    return {"uid": uid, "title": title, "tags": ["warden"], "timezone": "utc", "schemaVersion": 39,
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
            "templating": {"list": [{"name": "instance", "type": "query", "datasource": DATASOURCE,
                                     "query": "label_values(warden_build_info, instance)",
                                     "includeAll": True, "multi": True, "current": {}}]},
            "panels": panels}


I = 'instance=~"$instance"'
DASHBOARDS = {
    "overview": dashboard("warden-overview", "Warden / Overview", [
        panel("Children up", [f"warden_child_up{{{I}}}"], kind="stat", width=8),
        panel("Restarts (1h) by reason", [f"sum by (child, reason) (increase(warden_child_restarts_total{{{I}}}[1h]))"], legend="{{child}} {{reason}}", width=8),
        panel("Watchdog timeouts (1h)", [f"increase(warden_child_watchdog_timeouts_total{{{I}}}[1h])"], width=8),
        panel("Child CPU", [f"rate(warden_child_cpu_seconds_total{{{I}}}[$__rate_interval])"], unit="percentunit"),
        panel("Child resident memory", [f"warden_child_resident_memory_bytes{{{I}}}"], unit="bytes"),
        panel("Child start duration", [f"warden_child_start_duration_seconds{{{I}}}"], unit="s"),
        panel("Worker scrape success", [f"warden_child_scrape_success{{{I}}}"], kind="stat"),
        panel("Supervisor CPU and memory", [f"rate(process_cpu_seconds_total{{{I},child=\"\"}}[$__rate_interval])",
                                            f"process_resident_memory_bytes{{{I},child=\"\"}}"], legend="supervisor"),
        panel("Host CPU by mode", [f"sum by (mode) (rate(node_cpu_seconds_total{{{I}}}[$__rate_interval]))"], legend="{{mode}}"),
        panel("Host memory available", [f"node_memory_MemAvailable_bytes{{{I}}} / node_memory_MemTotal_bytes{{{I}}}"], unit="percentunit", legend="available"),
        panel("Load", [f"node_load1{{{I}}}", f"node_load5{{{I}}}", f"node_load15{{{I}}}"], legend="load"),
        panel("State filesystem free", [f"node_filesystem_avail_bytes{{{I}}} / node_filesystem_size_bytes{{{I}}}"], unit="percentunit", legend="{{mountpoint}}"),
        panel("Network", [f"rate(node_network_receive_bytes_total{{{I}}}[$__rate_interval])",
                          f"rate(node_network_transmit_bytes_total{{{I}}}[$__rate_interval])"], unit="Bps", legend="{{device}}"),
    ]),
    "trading": dashboard("warden-trading", "Warden / Trading", [
        panel("Equity", [f"warden_engine_equity{{{I}}}"], unit="currencyUSD", legend="equity"),
        panel("Today's P&L", [f"warden_engine_daily_pnl_ratio{{{I}}}"], unit="percentunit", legend="since the UTC day's open"),
        panel("Open positions", [f"warden_engine_position_quantity{{{I}}}"], legend="{{strategy}} {{symbol}}"),
        panel("Drawdown", [f"warden_engine_drawdown_ratio{{{I}}}"], unit="percentunit", legend="drawdown"),
        panel("Orders (1h)", [f"sum by (side, result) (increase(warden_engine_orders_total{{{I}}}[1h]))"], legend="{{side}} {{result}}"),
        panel("Decision latency p99", [f"histogram_quantile(0.99, sum by (le) (rate(warden_engine_decision_seconds_bucket{{{I}}}[$__rate_interval])))"], unit="s", legend="p99"),
        panel("Entries halted", [f"warden_engine_halted{{{I}}}"], kind="stat", legend="{{reason}}"),
        panel("Market data age", [f"warden_engine_market_data_age_seconds{{{I}}}"], unit="s", legend="{{symbol}}"),
        panel("Signals (1h)", [f"sum by (strategy, kind) (increase(warden_engine_signals_total{{{I}}}[1h]))"], legend="{{strategy}} {{kind}}"),
        panel("Exchange circuit breakers", [f"warden_circuit_breaker_open{{{I},breaker=~\"exchange.*\"}}"], legend="{{breaker}}"),
    ]),
    "portfolio": dashboard("warden-portfolio", "Warden / Portfolio and risk", [
        panel("Risk state (0 active, 1 reducing, 2 halted)", [f"warden_risk_state{{{I}}}"], kind="stat", legend="state", width=8),
        panel("Exposure", [f"warden_portfolio_exposure_ratio{{{I}}}"], unit="percentunit", legend="positions / equity", width=8),
        panel("Diversification ratio", [f"warden_portfolio_diversification_ratio{{{I}}}"], legend="Σwσ / σ", width=8),
        panel("VaR by method (99 %)", [f"warden_risk_var_ratio{{{I},confidence=\"0.99\"}}"], unit="percentunit", legend="{{method}}"),
        panel("CVaR by method (99 %)", [f"warden_risk_cvar_ratio{{{I},confidence=\"0.99\"}}"], unit="percentunit", legend="{{method}}"),
        panel("VaR and CVaR, historical (95 %, 99 %)", [f"warden_risk_var_ratio{{{I},method=\"historical\"}}", f"warden_risk_cvar_ratio{{{I},method=\"historical\"}}"],
              unit="percentunit", legend="{{__name__}} {{confidence}}"),
        panel("Correlation of markets' returns", [f"warden_portfolio_correlation{{{I}}}"], legend="{{a}} / {{b}}"),
        panel("P&L since the day's and the month's open", [f"warden_engine_daily_pnl_ratio{{{I}}}", f"warden_engine_monthly_pnl_ratio{{{I}}}"],
              unit="percentunit", legend="{{__name__}}"),
        panel("Drawdown", [f"warden_engine_drawdown_ratio{{{I}}}"], unit="percentunit", legend="drawdown"),
        panel("Entries halted, by reason", [f"warden_engine_halted{{{I}}}"], kind="stat", legend="{{reason}}"),
        panel("Slot weights against their targets", [f"warden_portfolio_weight{{{I}}}", f"warden_portfolio_target_weight{{{I}}}"],
              unit="percentunit", legend="{{__name__}} {{strategy}}@{{market}}"),
        panel("Largest drift from target (rebalancing band 1 %)", [f"warden_portfolio_drift_ratio{{{I}}}"], unit="percentunit", legend="drift"),
        panel("VaR the risk layer compares with its limit", [f"warden_risk_var_limit_input_ratio{{{I}}}"], unit="percentunit", legend="historical VaR"),
        panel("Stress losses by scenario", [f"warden_risk_stress_loss_ratio{{{I}}}"], unit="percentunit", legend="{{scenario}}"),
    ]),
    "operations": dashboard("warden-operations", "Warden / Operations", [
        panel("Alerts by state", [f"sum by (state) (warden_alerts{{{I}}})"], legend="{{state}}"),
        panel("Notifications by result (1h)", [f"sum by (receiver, result) (increase(warden_notifications_total{{{I}}}[1h]))"], legend="{{receiver}} {{result}}"),
        panel("Notification latency p99", [f"histogram_quantile(0.99, sum by (le) (rate(warden_notification_latency_seconds_bucket{{{I}}}[$__rate_interval])))"], unit="s", legend="p99"),
        panel("Outbox", [f"warden_outbox_pending{{{I}}}", f"warden_outbox_dead{{{I}}}"], legend="{{__name__}}"),
        panel("Last backup age", [f"time() - warden_backup_last_success_timestamp_seconds{{{I}}}"], unit="s", legend="age"),
        panel("Backup size and duration", [f"warden_backup_size_bytes{{{I}}}", f"warden_backup_duration_seconds{{{I}}}"], legend="backup"),
        panel("Backup failures (24h)", [f"increase(warden_backup_failures_total{{{I}}}[24h])"], kind="stat", legend="failures"),
        panel("Database up", [f"warden_database_up{{{I}}}"], kind="stat", legend="database"),
        panel("Database size", [f"warden_database_size_bytes{{{I}}}"], unit="bytes", legend="size"),
    ]),
    "api": dashboard("warden-api", "Warden / API", [
        panel("Requests by status", [f"sum by (code) (rate(warden_api_requests_total{{{I}}}[$__rate_interval]))"], unit="reqps", legend="{{code}}"),
        panel("Latency p50 / p99", [f"histogram_quantile(0.5, sum by (le) (rate(warden_api_request_duration_seconds_bucket{{{I}}}[$__rate_interval])))",
                                    f"histogram_quantile(0.99, sum by (le) (rate(warden_api_request_duration_seconds_bucket{{{I}}}[$__rate_interval])))"], unit="s", legend="quantile"),
        panel("WebSocket clients", [f"warden_api_ws_clients{{{I}}}"], legend="clients"),
        panel("Supervisor HTTP requests", [f"sum by (handler, code) (rate(warden_http_requests_total{{{I}}}[$__rate_interval]))"], unit="reqps", legend="{{handler}} {{code}}"),
        panel("Supervisor /metrics latency p99", [f"histogram_quantile(0.99, sum by (le) (rate(warden_http_request_duration_seconds_bucket{{{I},handler=\"/metrics\"}}[$__rate_interval])))"], unit="s", legend="p99"),
    ]),
}

if __name__ == "__main__":
    for name, board in DASHBOARDS.items():
        with open(os.path.join(HERE, "dashboards", f"{name}.json"), "w") as f:
            json.dump(board, f, indent=2)
            f.write("\n")
