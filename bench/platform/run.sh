#!/usr/bin/env bash
# Benchmarks platform-server on loopback with wrk: /health and /feed?limit=20, 50 concurrent
# connections (the seed's "50 concurrent learners"), the server pinned to one core and wrk
# to the other. Results are printed; docs/BENCHMARKS.md records them.
#
# Usage: bench/platform/run.sh [DURATION_SECONDS]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
build=build-bench

command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps installs it" >&2; exit 1; }
cmake -S platform -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=../../scripts/lib-ports.sh
. scripts/lib-ports.sh
redis_port=$(free_port)
http_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
export DATABASE_URL="sqlite:///$work/app.db" REDIS_URL="redis://127.0.0.1:$redis_port"
export JWT_SECRET_KEY=bench-secret-0123456789abcdef0123456789 PORT=$http_port HTTP_THREADS=16
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
"$build/platform-migrate" up >/dev/null
taskset -c 0 "$build/platform-server" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$http_port/health" >/dev/null && break; sleep 0.1; done

echo "platform-server $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $(uname -r)"
echo "server pinned to core 0, wrk to core 1; 50 connections, ${duration}s each"
for path in /health "/feed?limit=20"; do
  echo
  echo "== GET $path"
  taskset -c 1 wrk -t1 -c50 -d"${duration}s" --latency "http://127.0.0.1:$http_port$path" |
    grep -E "Requests/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors"
done
