#!/usr/bin/env bash
# Zero downtime, side by side in one run: uvicorn, gunicorn, node and `next start` (the
# examples/nextjs app, packages from the npm registry) in restart, handoff and proxy modes,
# through the real bosun-agent and a real nginx, during a deploy, a rollback and a failed
# deploy, with a load loop that opens one new connection per request. Prints a Markdown table
# (docs/BENCHMARKS.md "Zero downtime").
#
# Usage: bench/zero-downtime/run.sh [uvicorn|gunicorn|node|next ...]
# Takes about six minutes with Next.js (three `next build`s per mode), one without.
# Uses build/ (BUILD=dir to change).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
[ -f "$build/build.ninja" ] || make build >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target zero_downtime_bench bosun-agent >/dev/null
exec "$build/tests/zero_downtime_bench" "$@"
