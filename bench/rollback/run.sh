#!/usr/bin/env bash
# Rollback time on the bundled platform: the incident fast path of `bosun-agent rollback`
# (switch, restart what changed, verify; no schema change) between two releases of the
# platform's server, timed from the command's start to its exit, ROUNDS times back and forth.
# For reference it also times the platform server alone from exec to its first 200 on
# /ready (its startup time, which every rollback includes).
#
# Usage: bench/rollback/run.sh [ROUNDS]   (default 20). Takes about a minute.
# Uses build/ (BUILD=dir to change). Results: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-20}
build=${BUILD:-build}
. scripts/lib-ports.sh
[ -x "$build/agent/bosun-agent" ] || make build >/dev/null
agent=$(realpath "$build/agent/bosun-agent")
bin=$(realpath "$build/platform")

work=$(mktemp -d)
root=$work/root
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ]; then
    "$agent" stop-all --root "$root" >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$agent_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(free_port)
http_port=$(free_port)
mkdir -p "$work/repo" "$root/shared"
echo "JWT_SECRET_KEY=bench-secret-0123456789abcdef0123456789" >"$root/shared/.env"
cat >"$work/repo/app.yaml" <<YAML
app: bench
repo: $work/repo
shared: [data]
env:
  DATABASE_URL: sqlite:///\${shared}/data/app.db
  REDIS_URL: redis://127.0.0.1:$redis_port
build:
  - {sh: 'mkdir -p bin && cp $bin/platform-server $bin/platform-migrate bin/'}
database:
  kind: sqlite
  path: \${shared}/data/app.db
  migrate:
    up: [bin/platform-migrate, up]
    down: [bin/platform-migrate, down, --to, "\${version}"]
    version: [bin/platform-migrate, status, --version]
services:
  redis:
    command: [redis-server, --port, "$redis_port", --bind, 127.0.0.1, --save, "", --appendonly, "no"]
    cwd: \${shared}           # its own working directory: kept running across deploys
    ready: {redis: {port: $redis_port}, timeout: 10s}
  server:
    command: [bin/platform-server]
    env: {PORT: "$http_port", BIND: 127.0.0.1, HANDOVER_GRACE_MS: "100"}
    depends_on: [redis]
    ready: {http: {url: "http://127.0.0.1:$http_port/ready", body_contains: '"pid":\${pid}'}, timeout: 10s}
    deploy: overlap
verify:
  window: 0s
  checks:
    - http: {url: "http://127.0.0.1:$http_port/ready"}
YAML
git_() { git -C "$work/repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
git_ init -q -b main
echo 1 >"$work/repo/VERSION"; git_ add -A; git_ commit -qm v1; v1=$(git_ rev-parse HEAD)
echo 2 >"$work/repo/VERSION"; git_ add -A; git_ commit -qm v2; v2=$(git_ rev-parse HEAD)

"$agent" run --root "$root" --repo "$work/repo" >"$work/agent.out" 2>&1 &
agent_pid=$!
for _ in $(seq 1 100); do [ -S "$root/agent.sock" ] && break; sleep 0.05; done
"$agent" deploy --root "$root" --commit "$v1" --who bench >/dev/null
"$agent" deploy --root "$root" --commit "$v2" --who bench >/dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
times=()
for i in $(seq 1 "$rounds"); do
  # Back and forth: after a rollback the release left is marked failed, so name the target.
  if [ $((i % 2)) -eq 1 ]; then target=$v1; else target=$v2; fi
  start=$(now_ms)
  "$agent" rollback --root "$root" --who bench --db none --to "${target:0:12}" \
    >"$work/rollback.out" || {
    cat "$work/rollback.out"; exit 1; }
  times+=($(( $(now_ms) - start )))
done

# The server alone: exec to the first 200 on /ready.
startup=()
probe_port=$(free_port)
for i in $(seq 1 10); do
  start=$(now_ms)
  (cd "$root/current" && exec env DATABASE_URL="sqlite:///$root/shared/data/app.db" \
     REDIS_URL="redis://127.0.0.1:$redis_port" PORT=$probe_port BIND=127.0.0.1 \
     JWT_SECRET_KEY=bench-secret-0123456789abcdef0123456789 bin/platform-server) >/dev/null 2>&1 &
  server=$!
  until curl -fs "http://127.0.0.1:$probe_port/ready" >/dev/null 2>&1; do sleep 0.002; done
  startup+=($(( $(now_ms) - start )))
  kill "$server"; wait "$server" 2>/dev/null || true
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms (n=%d)", a[1], a[int((NR+1)/2)], a[NR], NR}'; }
echo "rollback (switch, overlap restart, verify; no schema change): $(stats "${times[@]}")"
echo "platform-server startup (exec -> /ready 200):                 $(stats "${startup[@]}")"
