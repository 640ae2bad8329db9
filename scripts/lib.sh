# Shared helpers for scripts/*: cache and state folders, logging, waiting.
# Sourced, never run. Downloads go to a per-user cache outside the clone so a
# fresh clone on the same machine is fast; run state (data, logs, pids) lives in
# the clone's git-ignored .services folder.

FLOE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLOE_CACHE="${FLOE_CACHE:-$HOME/.cache/floe}"
FLOE_STATE="${FLOE_STATE:-$FLOE_ROOT/.services}"

# Defaults first, then whatever the caller exported wins.
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  [[ -z "${!key:-}" ]] && export "$key=$value"
done < "$FLOE_ROOT/scripts/services.env"

say() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# with_lock NAME CMD...: serialize provisioning of one cache entry across runs.
with_lock() {
  local name="$1"; shift
  mkdir -p "$FLOE_CACHE/locks"
  ( flock 9; "$@" ) 9>"$FLOE_CACHE/locks/$name.lock"
}

# wait_for NAME SECONDS LOGFILE CHECK...: poll CHECK until it succeeds; on
# timeout or if the service's process died, print its log tail and fail.
wait_for() {
  local name="$1" seconds="$2" log="$3"; shift 3
  local pidfile="$FLOE_STATE/$name.pid" deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -f "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      say "$name exited during start-up; last lines of $log:"
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      say "$name not healthy after ${seconds}s; last lines of $log:"
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
http_any() { curl -sS -o /dev/null --max-time 2 "$1"; }

# spawn NAME LOG CMD...: start a detached process group and record its pid.
spawn() {
  local name="$1" log="$2"; shift 2
  mkdir -p "$FLOE_STATE"
  setsid "$@" >>"$log" 2>&1 < /dev/null &
  echo $! > "$FLOE_STATE/$name.pid"
}

running() {
  local pidfile="$FLOE_STATE/$1.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# stop_pid NAME: TERM the process group we started, then KILL after 20s.
stop_pid() {
  local name="$1" pidfile="$FLOE_STATE/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

maven_fetch() { # POM_DIR OUTPUT_DIR
  mvn -q -B -f "$1/pom.xml" "-Dmaven.repo.local=$FLOE_CACHE/m2" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$2" >&2
}

# apt_install PKG...: Debian packages, installed only when missing (needs root).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}
