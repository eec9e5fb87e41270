#!/usr/bin/env bash
# Fleet deploy benchmark on loopback "hosts": N sshd instances on 127.0.0.2... (generated
# host keys, one test user key), each host with its own root, serving a tiny HTTP app
# (app.c) on its own address. Every tool does the same deploy: check out a commit into a new
# release directory, a trivial build (copy a file), switch the `current` symlink, restart the
# app, and check it over HTTP. Timed: the deploy of a new commit to all N hosts (wall time),
# and a rollback at N=10; bosun's peak memory (max RSS) at the largest N.
#
#   bosun           bosun deploy with a playbook deploying all hosts at once
#   parallel-ssh    one OpenSSH session per host, all in parallel, running the steps as shell
#   ansible         ansible-playbook (Debian's ansible-core, when installed), tuned: forks 50,
#                   pipelining, ControlPersist, strategy free, no facts; one shell task with
#                   the same steps
#
# Capistrano is not in this run yet (see docs/BENCHMARKS.md).
#
# Usage: bench/fleet/run.sh [N...]   (default: 1 10 50). Uses build/ (BUILD=dir to change).
# Runs as the current user; starts and stops everything it needs. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath "${BUILD:-build}")
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10 50)
. scripts/lib-ports.sh
[ -x "$build/controller/bosun" ] || make build >/dev/null
bosun="$build/controller/bosun"
agent="$build/agent/bosun-agent"

work=$(mktemp -d)
sshd_pids=()
cleanup() {
  for root in "$work"/hosts/*/; do
    [ -S "$root/agent.sock" ] && "$agent" stop-all --root "$root" >/dev/null 2>&1 || true
    [ -f "$root/app.pid" ] && kill "$(cat "$root/app.pid")" 2>/dev/null || true
  done
  for pid in "${sshd_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
cc -O2 -o "$work/app" bench/fleet/app.c
strip -o "$work/bosun-agent" "$agent"   # the agent without debug info: what a release ships
ssh-keygen -q -t ed25519 -N "" -f "$work/user"
cp "$work/user.pub" "$work/authorized_keys"
: >"$work/known_hosts"
app_port=$(free_port)
user=$(id -un)

max_n=0
for n in "${sizes[@]}"; do [ "$n" -gt "$max_n" ] && max_n=$n; done
addresses=()
entries=()
for i in $(seq 0 $((max_n - 1))); do
  address="127.0.0.$((2 + i))"
  port=$(free_port)
  ssh-keygen -q -t ed25519 -N "" -f "$work/host_$i"
  cat >"$work/sshd_$i" <<EOF
Port $port
ListenAddress $address
HostKey $work/host_$i
PidFile $work/sshd_$i.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
MaxStartups 200
MaxSessions 200
LogLevel ERROR
EOF
  /usr/sbin/sshd -D -e -f "$work/sshd_$i" 2>>"$work/sshd.log" &
  sshd_pids+=($!)
  echo "[$address]:$port $(cut -d' ' -f1,2 "$work/host_$i.pub")" >>"$work/known_hosts"
  addresses+=("$address")
  entries+=("$user@$address:$port")
done
sleep 1

# ---- bosun ----
bosun_manifest() {  # N -> the manifest for the first N hosts, inside the app's repository
  local n=$1 dir="$work/repo"
  mkdir -p "$dir"
  {
    echo "app: bench"
    echo "repo: $work/repo"
    echo "root: $work/hosts/bosun/\${host}"
    echo "stages:"
    echo "  bench:"
    echo "    hosts: [$(IFS=,; echo "${entries[*]:0:$n}")]"
    echo "ssh: {identity: $work/user, known_hosts: $work/known_hosts}"
    echo "build:"
    echo "  - [sh, -c, 'mkdir -p build && cp VERSION $work/app build/']"
    echo "services:"
    echo "  app:"
    echo "    command: [build/app, '\${host}', '$app_port']"
    echo "    ready: {http: {url: 'http://\${host}:$app_port/', body_contains: '\"pid\":\${pid}'}, timeout: 10s, interval: 20ms}"
    echo "verify:"
    echo "  window: 0s"
    echo "  checks: [{http: 'http://\${host}:$app_port/'}]"
  } >"$dir/bench-$n.yaml"
}

# ---- the same deploy as a shell script, for the tools without an agent ----
remote_script() {  # TOOL ADDRESS COMMIT -> the deploy as one shell script run on the host
  local tool=$1 address=$2 commit=$3 root="$work/hosts/$1/$2"
  cat <<EOF
set -e
mkdir -p $root/releases
cd $root
[ -d repo.git ] || git clone -q --mirror $work/repo repo.git
git -C repo.git fetch -q origin '+refs/*:refs/*'
release=releases/\$(date -u +%Y%m%dT%H%M%S%N)-${commit:0:8}
mkdir -p \$release
git -C repo.git archive $commit | tar -x -C \$release
echo $commit > \$release/REVISION
(cd \$release && mkdir -p build && cp VERSION $work/app build/)
ln -sfn \$release current.tmp && mv -T current.tmp current
[ -f app.pid ] && kill \$(cat app.pid) 2>/dev/null || true
cd current && (setsid build/app $address $app_port >/dev/null 2>&1 < /dev/null & echo \$! > $root/app.pid)
for t in \$(seq 1 200); do
  curl -fsS http://$address:$app_port/ 2>/dev/null | grep -q $commit && exit 0
  sleep 0.02
done
exit 1
EOF
}

stop_apps() {  # TOOL: stops what that tool started, frees the app port
  for root in "$work"/hosts/$1/*/; do
    [ -f "$root/app.pid" ] && kill "$(cat "$root/app.pid")" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$work/hosts/$1"
}

# ---- parallel OpenSSH ----
ssh_deploy() {  # N COMMIT -> deploys to the first N hosts at once
  local n=$1 commit=$2 pids=() i
  for i in $(seq 0 $((n - 1))); do
    local port=${entries[$i]##*:}
    ssh -q -i "$work/user" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes -p "$port" \
      "$user@${addresses[$i]}" "$(remote_script ssh "${addresses[$i]}" "$commit")" &
    pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

# ---- Ansible, tuned: forks, pipelining, ControlPersist, strategy free, no fact gathering ----
ansible_setup() {  # N
  local n=$1 i
  mkdir -p "$work/ansible"
  {
    echo "[defaults]"
    echo "forks = 50"
    echo "strategy = free"
    echo "gathering = explicit"
    echo "interpreter_python = /usr/bin/python3"
    echo "host_key_checking = True"
    echo "inventory = $work/ansible/hosts-$n"
    echo "[ssh_connection]"
    echo "pipelining = True"
    echo "ssh_args = -o ControlMaster=auto -o ControlPersist=120s -o UserKnownHostsFile=$work/known_hosts"
    echo "control_path_dir = $work/ansible/cp"
  } >"$work/ansible/ansible-$n.cfg"
  : >"$work/ansible/hosts-$n"
  for i in $(seq 0 $((n - 1))); do
    echo "${addresses[$i]} ansible_port=${entries[$i]##*:} ansible_user=$user ansible_ssh_private_key_file=$work/user" \
      >>"$work/ansible/hosts-$n"
  done
}

ansible_deploy() {  # N COMMIT
  local n=$1 commit=$2 i
  {
    echo "- hosts: all"
    echo "  gather_facts: false"
    echo "  tasks:"
    echo "    - name: deploy"
    echo "      ansible.builtin.shell: |"
    remote_script ansible "__ADDRESS__" "$commit" | sed 's/^/        /'
  } | sed 's/__ADDRESS__/{{ inventory_hostname }}/g' >"$work/ansible/deploy.yml"
  ANSIBLE_CONFIG="$work/ansible/ansible-$n.cfg" ansible-playbook "$work/ansible/deploy.yml" \
    >"$work/ansible/out-$n.log" 2>&1 || { tail -20 "$work/ansible/out-$n.log"; return 1; }
}

# The app's repository: a manifest per fleet size, the playbook, two commits.
git_() { git -C "$work/repo" -c user.name=bench -c user.email=bench@localhost "$@"; }
mkdir -p "$work/repo"
git_ init -q -b main
for n in "${sizes[@]}"; do bosun_manifest "$n"; done
printf 'name: bench\nstrategy: {serial: "100%%", max_fail: 0}\nsteps: [lock, fetch, checkout, build, switch, restart, verify, prune]\n' >"$work/repo/playbook.yaml"
echo 1 >"$work/repo/VERSION"
git_ add -A && git_ commit -qm v1 && v1=$(git_ rev-parse HEAD)
echo 2 >"$work/repo/VERSION"
git_ add -A && git_ commit -qm v2 && v2=$(git_ rev-parse HEAD)

results=()
for n in "${sizes[@]}"; do
  project="$work/repo"
  config="bench-$n.yaml"
  (cd "$project" && "$bosun" setup -c "$config" --agent "$work/bosun-agent" >"$work/setup-$n.log" 2>&1) ||
    { cat "$work/setup-$n.log"; exit 1; }
  (cd "$project" && "$bosun" deploy -c "$config" --commit "$v1" --playbook playbook.yaml >/dev/null)
  start=$(now_ms)
  (cd "$project" && /usr/bin/time -f "%M" -o "$work/rss-$n" \
     env ${TRACE:+BOSUN_SSH_TRACE=1} "$bosun" deploy -c "$config" --commit "$v2" --playbook playbook.yaml >"$work/deploy-$n.log" 2>&1) ||
    { cat "$work/deploy-$n.log"; exit 1; }
  bosun_ms=$(( $(now_ms) - start ))
  rss_kib=$(cat "$work/rss-$n")
  rollback_ms="-"
  if [ "$n" -eq 10 ]; then
    start=$(now_ms)
    (cd "$project" && "$bosun" rollback -c "$config" >"$work/rollback-$n.log" 2>&1) ||
      { cat "$work/rollback-$n.log"; exit 1; }
    rollback_ms=$(( $(now_ms) - start ))
  fi
  # Free the app port on these addresses for the next tool.
  for root in "$work"/hosts/bosun/*/; do "$agent" stop-all --root "$root" >/dev/null 2>&1 || true; done
  sleep 1
  rm -rf "$work/hosts/bosun"

  ssh_deploy "$n" "$v1" >/dev/null
  start=$(now_ms)
  ssh_deploy "$n" "$v2"
  ssh_ms=$(( $(now_ms) - start ))
  ssh_rollback_ms="-"
  if [ "$n" -eq 10 ]; then
    start=$(now_ms)
    ssh_deploy "$n" "$v1"   # a rollback by hand is a deploy of the old commit
    ssh_rollback_ms=$(( $(now_ms) - start ))
  fi
  stop_apps ssh

  ansible_ms="-"
  ansible_rollback_ms="-"
  if command -v ansible-playbook >/dev/null; then
    ansible_setup "$n"
    ansible_deploy "$n" "$v1" >/dev/null
    start=$(now_ms)
    ansible_deploy "$n" "$v2"
    ansible_ms=$(( $(now_ms) - start ))
    if [ "$n" -eq 10 ]; then
      start=$(now_ms)
      ansible_deploy "$n" "$v1"
      ansible_rollback_ms=$(( $(now_ms) - start ))
    fi
    stop_apps ansible
  fi
  results+=("$(printf '%-5s %-12s %-12s %-12s %-16s %-14s %-18s %s' "$n" "${bosun_ms}ms" "${ssh_ms}ms" \
    "${ansible_ms}ms" "${rollback_ms}ms" "${ssh_rollback_ms}ms" "${ansible_rollback_ms}ms" "$((rss_kib / 1024))MiB")")
done

 # What one SSH command costs here: the user's login shell runs for every command (bash
# sources ~/.bashrc for ssh commands), and bosun runs three per host against the script's one.
port0=${entries[0]##*:}
start=$(now_ms)
for _ in 1 2 3 4 5; do
  ssh -q -i "$work/user" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes -p "$port0" \
    "$user@${addresses[0]}" true
done
echo "one SSH command (connect + login shell + true): $(( ($(now_ms) - start) / 5 )) ms"
printf '\n%-5s %-12s %-12s %-12s %-16s %-14s %-18s %s\n' "N" "bosun" "parallel-ssh" "ansible" \
  "bosun rollback" "ssh rollback" "ansible rollback" "bosun max RSS"
printf '%s\n' "${results[@]}" | sed 's/-ms/-/g'
