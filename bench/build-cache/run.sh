#!/usr/bin/env bash
# The build step of a second deploy whose package-lock.json did not change, before and after
# bosun reused node_modules: a real Express app and a real Next.js app (examples/), their
# packages from the npm registry. "before" builds with a plain `npm ci` command, as a manifest
# had to (npm's own cache warm after the first release); "after" with `build: {node: ci}`,
# which links node_modules from the live release. Each deploys v1 then v2 (only VERSION
# changed) through the real bosun-agent and reads the build step's duration from its events.
#
# Usage: bench/build-cache/run.sh   Needs the npm registry. Takes about four minutes.
# Uses build/ (BUILD=dir to change). Results: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
. scripts/lib-ports.sh
[ -x "$build/agent/bosun-agent" ] || make build >/dev/null
agent=$(realpath "$build/agent/bosun-agent")
examples=$(realpath examples)

work=$(mktemp -d)
agent_pid=""
root=""
stop_agent() {
  if [ -n "$agent_pid" ]; then
    "$agent" stop-all --root "$root" >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$agent_pid" 2>/dev/null || true
    agent_pid=""
  fi
}
trap 'stop_agent; rm -rf "$work"' EXIT

# build_ms STEP_EVENTS: the build step's duration_ms in a --json deploy's output.
build_ms() {
  /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event.get("type") == "step-finished" and event.get("step") == "build":
        print(event["duration_ms"]); break
' "$1"
}

# measure APP MODE BUILD_YAML SERVICE_YAML: prints "v1_ms v2_ms".
measure() {
  local app=$1 mode=$2 build_yaml=$3 service=$4
  local repo=$work/$app-$mode/repo
  root=$work/$app-$mode/root
  mkdir -p "$repo" "$root/shared"
  (cd "$examples/$app" && git ls-files --others --cached --exclude-standard -z |
     xargs -0 cp --parents -t "$repo")
  cat >"$repo/app.yaml" <<YAML
app: bench-$app
repo: $repo
env: {NODE_ENV: production, NEXT_TELEMETRY_DISABLED: "1"}
build:
$build_yaml
services:
  web:
    command: $service
verify: {window: 0s}
YAML
  local git_=(git -C "$repo" -c user.name=bench -c user.email=bench@example.com)
  "${git_[@]}" init -q -b main
  echo v1 >"$repo/VERSION"; "${git_[@]}" add -A; "${git_[@]}" commit -qm v1
  local v1; v1=$("${git_[@]}" rev-parse HEAD)
  echo v2 >"$repo/VERSION"; "${git_[@]}" commit -qam v2
  local v2; v2=$("${git_[@]}" rev-parse HEAD)
  "$agent" run --root "$root" --repo "$repo" >"$work/$app-$mode/agent.out" 2>&1 &
  agent_pid=$!
  for _ in $(seq 1 100); do [ -S "$root/agent.sock" ] && break; sleep 0.05; done
  "$agent" deploy --root "$root" --commit "$v1" --who bench --json >"$work/v1.out" ||
    { cat "$work/v1.out"; exit 1; }
  "$agent" deploy --root "$root" --commit "$v2" --who bench --json >"$work/v2.out" ||
    { cat "$work/v2.out"; exit 1; }
  stop_agent
  echo "$(build_ms "$work/v1.out") $(build_ms "$work/v2.out")"
}

idle='[node, -e, "setInterval(() => {}, 1000)"]'
printf '%-10s %-7s %12s %12s\n' app mode "v1 build" "v2 build"
for app in express-postgres nextjs; do
  extra=""
  [ "$app" = nextjs ] && extra=$'\n    - [node_modules/.bin/next, build]'
  read -r b1 b2 < <(measure "$app" before \
    "  commands:"$'\n'"    - [npm, ci, --no-audit, --no-fund, --prefer-offline]$extra" "$idle")
  printf '%-10s %-7s %10s ms %10s ms\n' "${app%%-*}" before "$b1" "$b2"
  after_yaml="  node: ci"
  [ -n "$extra" ] && after_yaml+=$'\n  commands:'"$extra"
  read -r a1 a2 < <(measure "$app" after "$after_yaml" "$idle")
  printf '%-10s %-7s %10s ms %10s ms\n' "${app%%-*}" after "$a1" "$a2"
done
