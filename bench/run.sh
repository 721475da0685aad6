#!/usr/bin/env bash
# make bench: micro-benchmarks, then wrk against a running `latchkey serve`.
# Prints requests/s, p50/p99 latency and peak RSS; docs/performance.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-./build/latchkey}
BENCH=${BENCH_BIN:-./build/latchkey_bench}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
USERS=${USERS:-10000}

echo "== machine"
echo "cores: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo

echo "== micro-benchmarks"
"$BENCH" --benchmark_min_time=1
echo

T=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$T"' EXIT
PORT=${PORT:-18080}
cat > "$T/latchkey.toml" <<TOML
[server]
listen = "127.0.0.1:$PORT"
public_url = "http://127.0.0.1:$PORT"
threads = 96
[store]
url = "sqlite://$T/latchkey.db"
pool_size = ${POOL:-8}
[limits]
flow_start_per_ip = "off"
flow_start_per_account = "off"
verify_per_ip = "off"
code_send_per_destination = "off"
[captcha]
# wrk cannot solve proof-of-work challenges; the throttles stay on (their reads and
# writes are part of every start and challenge measured here).
enabled = false
[log]
level = "warn"
TOML

"$BIN" --config "$T/latchkey.toml" migrate > /dev/null
{
  echo "username,display_name,email"
  for i in $(seq 0 $((USERS - 1))); do echo "user$i,User $i,user$i@example.net"; done
} > "$T/users.csv"
"$BIN" --config "$T/latchkey.toml" user import "$T/users.csv"

"$BIN" --config "$T/latchkey.toml" serve > "$T/serve.out" 2> "$T/serve.err" &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.1; done

rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' /proc/$PID/status; echo; }
run() {
  local name=$1; shift
  echo "== $name"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT" 2>&1 |
    grep -E "Requests/sec|Latency |50%|99%|Non-2xx|Socket errors|requests in"
  rss
  echo
}
echo "== idle"; rss; echo
run "GET /healthz" -s /dev/null -H "Connection: keep-alive" --script <(echo 'request = function() return wrk.format("GET", "/healthz") end')
LK_USERS=$USERS LK_PREFIX=user run "POST /api/v1/flows (known users)" --script bench/flows_start.lua
LK_USERS=$USERS LK_PREFIX=nobody run "POST /api/v1/flows (unknown users)" --script bench/flows_start.lua
LK_USERS=$USERS LK_PREFIX=user run "start + challenge pairs (code queued in the outbox)" --script bench/flows_challenge.lua
echo "== outbox after the run"
"$BIN" --config "$T/latchkey.toml" outbox list --limit 1 --json | grep -c '"template"' || true
echo "== peak"; rss
