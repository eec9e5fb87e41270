#!/usr/bin/env bash
# Side-by-side supervisor benchmark, all in one run on this machine:
#   bare fork/exec loop, bosun-agent, runit (runsv), s6 (s6-supervise, readiness
#   notification), supervisord — supervising the same small C child (child.c).
# Measures: crash-to-ready latency (child exit -> a new instance accepting on its port;
# median and p99 over CRASHES crashes), idle RSS / CPU / context switches of the supervisor
# while it supervises 3 services, and restarts in 10 s of a crash loop.
#
# Usage: bench/supervisors/run.sh [CRASHES]   (default 21). Takes about 5 minutes.
# Installs supervisor, s6 and runit from Debian when missing. Results: docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
crashes=${1:-21}
gap_ms=1100   # runit and s6 wait 1 s before restarting a service that lived < 1 s
. scripts/lib-ports.sh

missing=()
for tool in supervisord runsv s6-supervise; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends supervisor s6 runit >/dev/null
fi
[ -x build/agent/bosun-agent ] || make build >/dev/null

work=$(mktemp -d)
cleanup() {
  if [ -f "$work/groups" ]; then
    while read -r group; do kill -9 -- "-$group" 2>/dev/null || true; done <"$work/groups"
  fi
  pkill -9 -f "$work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -o "$work/child" bench/supervisors/child.c
c++ -O2 -std=c++20 -o "$work/measure" bench/supervisors/measure.cpp
agent=$(realpath build/agent/bosun-agent)

# Starts a supervisor in its own process group; prints the group id. $1 = name, rest = command.
launch() {
  local name=$1; shift
  setsid "$@" >"$work/$name.out" 2>&1 &
  echo $! >>"$work/groups"
  echo $!
}
# Stops a supervisor's group, then whatever it started from our temp dir (some supervisors
# give each service its own session).
stop_group() {
  kill -- "-$1" 2>/dev/null || true
  sleep 0.3
  kill -9 -- "-$1" 2>/dev/null || true
  pkill -9 -f "$work/" 2>/dev/null || true
  sleep 0.2
}
# The command of service $1, with PORT_I replaced by its port.
service_command() { local i=$1; shift; echo "${*//PORT_I/${ports[$i]}}"; }

# ---- per-supervisor setup: <sup>_start SERVICE_COUNT COMMAND; prints the group id ----
bosun_start() {
  local n=$1; shift
  local dir="$work/bosun-$RANDOM"
  mkdir -p "$dir"
  { echo "app: bench"; echo "repo: /none.git"; echo "services:"
    for i in $(seq 1 "$n"); do
      echo "  s$i:"
      # argv form when the command has no shell syntax (the manifest's usual form)
      case "$*" in
        *"'"*) echo "    command: {sh: \"exec $(service_command "$i" "$@")\"}" ;;
        *) echo "    command: [$(service_command "$i" "$@" | sed 's/ /, /g')]" ;;
      esac
      [ -n "${ready_port:-}" ] && echo "    ready: {tcp: ${ports[$i]}}"
      echo "    restart: {backoff: {initial: 1ms, max: 1s, reset_after: 1s}, crash_loop: {restarts: 10000, window: 1m}}"
    done; } >"$dir/app.yaml"
  launch bosun "$agent" run --root "$dir" -c "$dir/app.yaml"
}
runit_start() {
  local n=$1; shift
  local base="$work/runit-$RANDOM"
  for i in $(seq 1 "$n"); do
    mkdir -p "$base/s$i"
    printf '#!/bin/sh\nexec %s\n' "$(service_command "$i" "$@")" >"$base/s$i/run"
    chmod +x "$base/s$i/run"
  done
  launch runit runsvdir "$base"
}
s6_start() {
  local n=$1; shift
  local base="$work/s6-$RANDOM"
  for i in $(seq 1 "$n"); do
    mkdir -p "$base/s$i"
    printf '#!/bin/sh\nNOTIFY_FD=3 exec %s\n' "$(service_command "$i" "$@")" >"$base/s$i/run"
    echo 3 >"$base/s$i/notification-fd"
    chmod +x "$base/s$i/run"
  done
  launch s6 s6-svscan "$base"
}
supervisord_start() {
  local n=$1; shift
  local conf="$work/supervisord-$RANDOM.conf"
  { echo "[supervisord]"; echo "nodaemon=true"; echo "logfile=$work/supervisord.log"; echo "pidfile=$work/supervisord.pid"
    for i in $(seq 1 "$n"); do
      echo "[program:s$i]"; echo "command=$(service_command "$i" "$@")"
      echo "autorestart=true"; echo "startsecs=0"; echo "startretries=100000"
    done; } >"$conf"
  launch supervisord supervisord -c "$conf"
}

stats() {  # median and p99 in ms of the numbers (microseconds) on stdin
  sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.99+0.999)]; printf "%.2f ms | %.2f ms", m/1000, p/1000}'
}
group_rss_kib() {  # resident memory of every process in group $1
  local total=0
  for pid in $(pgrep -g "$1"); do
    case "$(cat /proc/$pid/comm 2>/dev/null)" in child|sleep) continue ;; esac
    total=$((total + $(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)))
  done
  echo "$total"
}
group_cpu_ticks() {
  local total=0
  for pid in $(pgrep -g "$1"); do
    case "$(cat /proc/$pid/comm 2>/dev/null)" in child|sleep) continue ;; esac
    total=$((total + $(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null || echo 0)))
  done
  echo "$total"
}
group_switches() {
  local total=0
  for pid in $(pgrep -g "$1"); do
    case "$(cat /proc/$pid/comm 2>/dev/null)" in child|sleep) continue ;; esac
    for task in /proc/$pid/task/*; do
      total=$((total + $(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

declare -A latency rss cpu switches loops
echo "crash-to-ready latency: $crashes crashes each, ${gap_ms} ms apart"
ports=("" "$(free_port)" "$(free_port)" "$(free_port)")
latency[bare]=$("$work/measure" "${ports[1]}" "$crashes" "$gap_ms" --bare "$work/child" | stats)
echo "  bare loop: ${latency[bare]}"
for sup in bosun runit s6 supervisord; do
  ports=("" "$(free_port)" "$(free_port)" "$(free_port)")
  ready_port=1
  group=$(${sup}_start 1 "$work/child PORT_I")
  latency[$sup]=$("$work/measure" "${ports[1]}" "$crashes" "$gap_ms" | stats) || latency[$sup]="failed"
  echo "  $sup: ${latency[$sup]}"
  stop_group "$group"
done

echo "idle: 3 services each, 10 s"
for sup in bosun runit s6 supervisord; do
  ports=("" "$(free_port)" "$(free_port)" "$(free_port)")
  group=$(${sup}_start 3 "$work/child PORT_I")
  sleep 3
  t0=$(group_cpu_ticks "$group"); c0=$(group_switches "$group")
  sleep 10
  cpu[$sup]=$(( $(group_cpu_ticks "$group") - t0 )); switches[$sup]=$(( $(group_switches "$group") - c0 ))
  rss[$sup]=$(group_rss_kib "$group")
  echo "  $sup: RSS ${rss[$sup]} KiB, CPU ${cpu[$sup]} ticks, ${switches[$sup]} context switches"
  stop_group "$group"
done

echo "crash loop: a service that exits at once, 10 s"
for sup in bosun runit s6 supervisord; do
  ports=("" "$(free_port)")
  ready_port=""
  counter="$work/loop-$sup.count"
  : >"$counter"
  group=$(${sup}_start 1 "/bin/sh -c 'echo x >> $counter; exit 1'")
  sleep 10
  loops[$sup]=$(wc -l <"$counter")
  c=$(group_cpu_ticks "$group")
  echo "  $sup: ${loops[$sup]} starts in 10 s (supervisor CPU $c ticks in total)"
  stop_group "$group"
done

echo
echo "| | restart latency median \| p99 | idle RSS (3 services) | idle CPU / 10 s | idle context switches / 10 s | starts in 10 s of a crash loop |"
echo "|---|---|---|---|---|---|"
echo "| bare fork/exec loop | ${latency[bare]} | | | | |"
for sup in bosun runit s6 supervisord; do
  echo "| $sup | ${latency[$sup]} | ${rss[$sup]} KiB | ${cpu[$sup]} ticks | ${switches[$sup]} | ${loops[$sup]} |"
done
