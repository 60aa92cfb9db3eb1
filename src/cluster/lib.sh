# Shared by src/cluster/start and src/cluster/stop: where the local cluster lives and how its
# processes are found. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Outside target/, so that `mvn clean` or a rebuild never pulls the floor from under a running
# cluster: the broker's data, the logs, the pid files and a copy of the application.
STATE="${TIDINGS_CLUSTER_DIR:-${TMPDIR:-/tmp}/tidings-cluster}"
BROKER_PORT=9092
CONTROLLER_PORT=9093
REPLICA_PORTS=(8080 8081)

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'cluster: %s\n' "$*" >&2; exit 1; }

# The pid in $STATE/<name>.pid if that process is alive and is ours (its command line names
# $STATE), else nothing: a stale pid file or a recycled pid never gets a signal from us.
pid_of() {
  local file="$STATE/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$STATE" || return 1
  echo "$pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Sends SIGTERM to a process of ours and waits up to $2 seconds for it to end, then SIGKILL.
stop_process() {
  local name="$1" wait_s="$2" pid
  if ! pid="$(pid_of "$name")"; then
    rm -f "$STATE/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + wait_s))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "$name did not end within ${wait_s} s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$STATE/$name.pid"
  say "stopped $name (pid $pid)"
}

# Starts a command in $STATE as a session of its own (it outlives this script and its terminal),
# appending its output to $STATE/logs/<name>.log and its pid to $STATE/<name>.pid.
launch() {
  local name="$1"; shift
  setsid bash -c 'echo $$ > "$1"; shift; cd "$1"; shift; exec "$@"' launch \
    "$STATE/$name.pid" "$STATE" "$@" >> "$STATE/logs/$name.log" 2>&1 < /dev/null &
  local deadline=$((SECONDS + 5))
  until [[ -s "$STATE/$name.pid" ]]; do
    ((SECONDS < deadline)) || die "$name did not start"
    sleep 0.1
  done
}
