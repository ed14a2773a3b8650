#!/usr/bin/env bash
# /metrics against the real tools: promtool lints a live scrape, and a real Prometheus server
# scrapes the supervisor and answers queries about it.
source "$(dirname "$0")/lib.sh"
echo "metrics, promtool and a real Prometheus"

check "promtool is installed" command -v promtool
check "prometheus is installed" command -v prometheus
dir=$(scratch)
port=$(free_port)
printf 'supervisor:\n  listen: 127.0.0.1:%s\n' "$port" >"$dir/warden.yml"
start_supervisor "$dir" "$dir/warden.yml"
run=$dir/run
wait_until 20 "supervisor and workers are ready" supervisor_ready "$run"
url=http://127.0.0.1:$port/metrics

curl -fsS -D "$dir/headers" "$url" >"$dir/scrape.txt"
check "text format 0.0.4 content type" grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$dir/headers"
promtool check metrics <"$dir/scrape.txt" >"$dir/lint.txt" 2>&1
# node_exporter's own names (node_memory_MemAvailable_bytes, ...) fail promtool's camelCase lint;
# Warden keeps them so existing dashboards work. Nothing else may be reported.
check "promtool check metrics reports nothing but node_exporter's camelCase names" \
  test -z "$(grep -v "^node_memory_[A-Za-z]*_bytes metric names should be written in 'snake_case' not 'camelCase'$" "$dir/lint.txt")"
grep -v camelCase "$dir/lint.txt" | head -5
for series in 'warden_child_up{child="engine"} 1' 'warden_child_up{child="api"} 1' \
              'warden_child_scrape_success{child="engine"} 1' 'warden_child_scrape_success{child="api"} 1' \
              'warden_build_info{version="0.1.0"'; do
  check "scrape has $series" grep -qF "$series" "$dir/scrape.txt"
done
for family in process_cpu_seconds_total process_resident_memory_bytes process_open_fds process_max_fds \
              process_start_time_seconds process_threads warden_child_restarts_total warden_child_start_duration_seconds \
              warden_child_watchdog_timeouts_total warden_child_cpu_seconds_total warden_child_resident_memory_bytes \
              warden_child_open_fds node_cpu_seconds_total node_memory_MemAvailable_bytes node_load1 \
              node_filesystem_avail_bytes node_network_receive_bytes_total warden_http_requests_total \
              warden_http_request_duration_seconds warden_database_up warden_database_size_bytes warden_database_free_pages; do
  check "family $family has HELP and TYPE" grep -q "^# TYPE $family " "$dir/scrape.txt"
done
check "workers' own series are merged with label child" grep -q '^process_open_fds{child="engine"}' "$dir/scrape.txt"

curl -fsS -H 'Accept: application/openmetrics-text; version=1.0.0; charset=utf-8' -D "$dir/om-headers" "$url" >"$dir/om.txt"
check "OpenMetrics when asked for" grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$dir/om-headers"
check "OpenMetrics ends with # EOF" test "$(tail -1 "$dir/om.txt")" = "# EOF"
check "OpenMetrics counter family is named without _total" grep -q '^# TYPE warden_child_restarts counter' "$dir/om.txt"

# A hung worker: the scrape still answers quickly and says which worker failed.
api_pid=$(child_field "$run" api .pid)
kill -STOP "$api_pid"
started=$(date +%s%N)
curl -fsS --max-time 5 "$url" >"$dir/hung.txt"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
kill -CONT "$api_pid"
check "a hung worker costs warden_child_scrape_success{child=\"api\"} 0" grep -qF 'warden_child_scrape_success{child="api"} 0' "$dir/hung.txt"
check "the scrape with a hung worker still answers within 2 s (${elapsed_ms} ms)" test "$elapsed_ms" -lt 2000
check "the healthy worker is still scraped" grep -qF 'warden_child_scrape_success{child="engine"} 1' "$dir/hung.txt"

# A worker answering garbage: its scrape fails alone, clearly marked.
kill -TERM "$SUPERVISOR_PID"; wait "$SUPERVISOR_PID" 2>/dev/null
cat >"$dir/garbage.yml" <<YAML
supervisor: {listen: 127.0.0.1:$port}
children:
  - {name: engine}
  - {name: broken, command: [python3, $ROOT/tests/fixtures/metrics_worker.py, garbage]}
  - {name: extra, command: [python3, $ROOT/tests/fixtures/metrics_worker.py, series, "20"]}
YAML
start_supervisor "$dir" "$dir/garbage.yml"
wait_until 20 "supervisor with a garbage-serving worker is ready" supervisor_ready "$run"
curl -fsS "$url" >"$dir/garbage.txt"
check "a worker serving garbage gets scrape_success 0" grep -qF 'warden_child_scrape_success{child="broken"} 0' "$dir/garbage.txt"
check "another worker's series are merged with its child label" grep -qF 'bench_worker_series{child="extra",shard="19",id="19"} 9.5' "$dir/garbage.txt"
check "the scrape with a broken worker is still clean for promtool" \
  test -z "$(promtool check metrics <"$dir/garbage.txt" 2>&1 | grep -v "^node_memory_[A-Za-z]*_bytes metric names should be written in 'snake_case' not 'camelCase'$")"

# A real Prometheus, configured from the shipped example, scrapes the supervisor.
prom_port=$(free_port)
sed -e "s/127.0.0.1:9847/127.0.0.1:$port/" -e 's/scrape_interval: 15s/scrape_interval: 1s/' \
  "$ROOT/prometheus/prometheus.yml" >"$dir/prometheus.yml"
check "promtool check config accepts the example scrape configuration" promtool check config "$dir/prometheus.yml"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
CLEANUP_PIDS+=($!)
query() { curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1]'; }
engine_up() { [ "$(query 'warden_child_up{child="engine"}')" = 1 ]; }
target_up() { [ "$(query 'up{job="warden"}')" = 1 ]; }
wait_until 60 "Prometheus scrapes the supervisor (up == 1)" target_up
wait_until 30 "Prometheus answers warden_child_up{child=\"engine\"} == 1" engine_up
worker_series() { [ "$(query 'count(process_open_fds{child="engine"})')" = 1 ]; }
wait_until 30 "Prometheus sees the workers' merged series" worker_series

finish
