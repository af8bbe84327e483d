#!/usr/bin/env bash
# Runs `stepwise bench` with the server in its own process on one core and the clients on
# the other, and reports the server's CPU time per execution: on a shared, noisy machine the
# rates move with the neighbours' load, the server's CPU per execution much less.
#
#   scripts/bench-split.sh BINARY SCENARIO CLIENTS EXECUTIONS [STORE]
#
# STORE is the server's --store (default: a new SQLite file). Needs taskset (util-linux).
set -euo pipefail
bin=$1 scenario=$2 clients=$3 executions=$4 store=${5:-}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
taskset -c 1 "$bin" bench --listen "127.0.0.1:$port" --store "${store:-sqlite:$dir/bench.db}" 2>"$dir/server.log" &
pid=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
taskset -c 0 "$bin" bench --endpoint "http://127.0.0.1:$port" --scenario "$scenario" --clients "$clients" --executions "$executions" | tail -1
t1=$(ticks)
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
echo "server: $(( (t1 - t0) * 1000000 / hz / executions )) µs CPU per execution, peak RSS ${rss} MB"
