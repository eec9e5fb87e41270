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
#                   pipelining, ControlPersist, strategy free, no facts. Two playbooks:
#                   "modules" as Ansible users write a deploy (git, shell, file, shell, uri:
#                   one task per step) and "shell", the script's steps in one shell task (the
#                   fastest Ansible can be).
#   capistrano      `cap bench deploy` (Debian's capistrano, when installed) with its own git
#                   strategy (mirror, archive into a release, REVISION, symlink switch,
#                   cleanup), a build task and a restart-and-check task; all hosts in parallel
#                   (SSHKit's default). Rollback is `cap bench deploy:rollback`. Its one
#                   deploy_to is a different directory on every host: each sshd runs in its
#                   own mount namespace (unshare, from util-linux).
#
# Install the peers from Debian: apt-get install ansible-core capistrano ruby-ed25519
# ruby-bcrypt-pbkdf (net-ssh needs the last two for ed25519 keys).
#
# Usage: bench/fleet/run.sh [N...]   (default: 1 10 50). Uses build/ (BUILD=dir to change).
# TOOLS="bosun parallel-ssh" runs only those (default: all four).
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
  # Roots are hosts/HOST (the shell tools) and hosts/bosun/HOST (bosun's agents).
  for root in "$work"/hosts/*/ "$work"/hosts/bosun/*/; do
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
  # Capistrano deploys every host to one path: each sshd gets its own mount namespace where
  # that path is its host's directory (a user namespace too when not root).
  mkdir -p "$work/cap-root" "$work/hosts/capistrano/$address"
  unshare_args=(-m --propagation private)
  [ "$(id -u)" -eq 0 ] || unshare_args=(-U --map-current-user "${unshare_args[@]}")
  unshare "${unshare_args[@]}" sh -c 'mount --bind "$1" "$2" && exec /usr/sbin/sshd -D -e -f "$3"' \
    sh "$work/hosts/capistrano/$address" "$work/cap-root" "$work/sshd_$i" 2>>"$work/sshd.log" &
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
  rm -rf "$work/hosts/$1"/*/*
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

ansible_deploy() {  # STYLE N COMMIT: STYLE "shell" is one shell task with the script's
  local style=$1 n=$2 commit=$3   # steps; "modules" is a playbook as Ansible users write it
  if [ "$style" = shell ]; then
    {
      echo "- hosts: all"
      echo "  gather_facts: false"
      echo "  tasks:"
      echo "    - name: deploy"
      echo "      ansible.builtin.shell: |"
      remote_script ansible "__ADDRESS__" "$commit" | sed 's/^/        /'
    } | sed 's/__ADDRESS__/{{ inventory_hostname }}/g' >"$work/ansible/deploy-$style.yml"
  else
    local root="$work/hosts/ansible/{{ inventory_hostname }}"
    cat >"$work/ansible/deploy-$style.yml" <<EOF
- hosts: all
  gather_facts: false
  tasks:
    - name: name the release (on the controller, no SSH)
      ansible.builtin.set_fact:
        release: "$root/releases/{{ now(utc=true, fmt='%Y%m%dT%H%M%S%f') }}-${commit:0:8}"
    - name: check out the commit into a release
      ansible.builtin.git: {repo: "$work/repo", dest: "{{ release }}", version: "$commit"}
    - name: build
      ansible.builtin.shell: mkdir -p build && cp VERSION $work/app build/ && echo $commit > REVISION
      args: {chdir: "{{ release }}"}
    - name: switch
      ansible.builtin.file: {src: "{{ release }}", dest: "$root/current", state: link}
    - name: restart
      ansible.builtin.shell: |
        [ -f app.pid ] && kill \$(cat app.pid) 2>/dev/null || true
        cd current && (setsid build/app {{ inventory_hostname }} $app_port >/dev/null 2>&1 < /dev/null & echo \$! > ../app.pid)
      args: {chdir: "$root"}
    - name: health check
      ansible.builtin.uri: {url: "http://{{ inventory_hostname }}:$app_port/", return_content: true}
      register: health
      until: health.content is defined and "$commit" in health.content
      retries: 50
      delay: 1
EOF
  fi
  ANSIBLE_CONFIG="$work/ansible/ansible-$n.cfg" ansible-playbook "$work/ansible/deploy-$style.yml" \
    >"$work/ansible/out-$n.log" 2>&1 || { tail -20 "$work/ansible/out-$n.log" >&2; return 1; }
}

# ---- Capistrano: its standard deploy flow, plus build and restart-and-check tasks ----
capistrano_setup() {  # N
  local n=$1 i
  mkdir -p "$work/cap/config/deploy"
  printf 'require "capistrano/setup"\nrequire "capistrano/deploy"\nrequire "capistrano/scm/git"\ninstall_plugin Capistrano::SCM::Git\n' \
    >"$work/cap/Capfile"
  cat >"$work/cap/config/deploy.rb" <<EOF
set :application, "bench"
set :repo_url, "$work/repo"
set :branch, ENV.fetch("COMMIT")
# The same path on every host, as on real hosts: each sshd here sees its own directory there.
set :deploy_to, "$work/cap-root"
set :keep_releases, 5
set :ssh_options, { keys: ["$work/user"], user: "$user", auth_methods: ["publickey"],
                    user_known_hosts_file: "$work/known_hosts", verify_host_key: :always }
namespace :bench do
  task :build do
    on roles(:all) do
      execute "cd #{release_path} && mkdir -p build && cp VERSION $work/app build/"
    end
  end
  task :restart do
    on roles(:all) do |host|
      execute :sh, "$work/cap/restart.sh", host.hostname
    end
  end
end
after "deploy:updated", "bench:build"
after "deploy:published", "bench:restart"
EOF
  cat >"$work/cap/restart.sh" <<EOF
set -e
cd "$work/cap-root"
[ -f app.pid ] && kill \$(cat app.pid) 2>/dev/null || true
cd current && (setsid build/app \$1 $app_port >/dev/null 2>&1 < /dev/null & echo \$! > ../app.pid)
revision=\$(cat REVISION)
for t in \$(seq 1 200); do
  curl -fsS http://\$1:$app_port/ 2>/dev/null | grep -q \$revision && exit 0
  sleep 0.02
done
exit 1
EOF
  : >"$work/cap/config/deploy/bench.rb"
  for i in $(seq 0 $((n - 1))); do
    echo "server \"${addresses[$i]}\", port: ${entries[$i]##*:}, roles: %w[app]" >>"$work/cap/config/deploy/bench.rb"
  done
}

capistrano_run() {  # N TASK [COMMIT]
  local n=$1 task=$2 commit=${3:-}
  (cd "$work/cap" && COMMIT=$commit cap bench "$task" >"$work/cap/out-$n.log" 2>&1) ||
    { tail -30 "$work/cap/out-$n.log" >&2; return 1; }
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

rows=()
wanted() { [[ " ${TOOLS:-bosun parallel-ssh ansible capistrano} " == *" $1 "* ]]; }
timed() {  # COMMAND...: runs it, prints its wall time in ms
  local start
  start=$(now_ms)
  "$@" >/dev/null || { echo "failed: $*" >&2; return 1; }
  echo $(( $(now_ms) - start ))
}
row() {  # N TOOL DEPLOY_MS ROLLBACK_MS
  rows+=("$(printf '%-5s %-20s %-12s %s' "$1" "$2" "$3 ms" "$4")")
}

bosun_run() {  # N ARGS...
  local n=$1
  shift
  (cd "$work/repo" && "$bosun" "$@" -c "bench-$n.yaml" >"$work/bosun-$n.log" 2>&1) ||
    { cat "$work/bosun-$n.log" >&2; return 1; }
}

for n in "${sizes[@]}"; do
  if wanted bosun; then
  bosun_run "$n" setup --agent "$work/bosun-agent" --service user
  bosun_run "$n" deploy --commit "$v1" --playbook playbook.yaml
  start=$(now_ms)
  (cd "$work/repo" && /usr/bin/time -f "%M" -o "$work/rss-$n" \
     env ${TRACE:+BOSUN_SSH_TRACE=1} "$bosun" deploy -c "bench-$n.yaml" --commit "$v2" --playbook playbook.yaml >"$work/deploy-$n.log" 2>&1) ||
    { cat "$work/deploy-$n.log"; exit 1; }
  bosun_ms=$(( $(now_ms) - start ))
  rss_mib=$(( $(cat "$work/rss-$n") / 1024 ))
  back="-"
  [ "$n" -eq 10 ] && back="$(timed bosun_run "$n" rollback) ms"
  row "$n" bosun "$bosun_ms" "$back"
  rows+=("      bosun max RSS: $rss_mib MiB")
  # Free the app port on these addresses for the next tool.
  for root in "$work"/hosts/bosun/*/; do "$agent" stop-all --root "$root" >/dev/null 2>&1 || true; done
  sleep 1
  rm -rf "$work/hosts/bosun"
  fi

  if wanted parallel-ssh; then
  ssh_deploy "$n" "$v1" >/dev/null
  took=$(timed ssh_deploy "$n" "$v2")
  back="-"   # a rollback by hand is a deploy of the old commit
  [ "$n" -eq 10 ] && back="$(timed ssh_deploy "$n" "$v1") ms"
  row "$n" parallel-ssh "$took" "$back"
  stop_apps ssh
  fi

  if wanted ansible && command -v ansible-playbook >/dev/null; then
    ansible_setup "$n"
    for style in modules shell; do
      ansible_deploy "$style" "$n" "$v1" >/dev/null
      took=$(timed ansible_deploy "$style" "$n" "$v2")
      back="-"
      [ "$n" -eq 10 ] && back="$(timed ansible_deploy "$style" "$n" "$v1") ms"
      row "$n" "ansible ($style)" "$took" "$back"
      stop_apps ansible
    done
  fi

  if wanted capistrano && command -v cap >/dev/null; then
    capistrano_setup "$n"
    capistrano_run "$n" deploy "$v1" >/dev/null
    took=$(timed capistrano_run "$n" deploy "$v2")
    back="-"
    [ "$n" -eq 10 ] && back="$(timed capistrano_run "$n" deploy:rollback "$v2") ms"
    row "$n" capistrano "$took" "$back"
    stop_apps capistrano
  fi
done

# What one SSH command costs here: the user's login shell runs for every command (bash
# sources ~/.bashrc for ssh commands); bosun runs one per host (its agent session), like the
# script; Ansible and Capistrano run several.
port0=${entries[0]##*:}
start=$(now_ms)
for _ in 1 2 3 4 5; do
  ssh -q -i "$work/user" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes -p "$port0" \
    "$user@${addresses[0]}" true
done
echo "one SSH command (connect + login shell + true): $(( ($(now_ms) - start) / 5 )) ms"
printf '\n%-5s %-20s %-12s %s\n' "N" "tool" "deploy" "rollback"
printf '%s\n' "${rows[@]}"
