# shellcheck shell=bash
# Shared helpers of deploy/local/stack: paths, settings, process and log handling.
# Sourced, not executed. Every wait in here is bounded by a timeout.

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
LOCAL_DIR="$ROOT_DIR/deploy/local"

STACK_DIR="${WEIR_STACK_DIR:-$ROOT_DIR/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"

export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
export NEO4J_USER="${NEO4J_USER:-neo4j}"
export NEO4J_PASSWORD="${NEO4J_PASSWORD:-weir-local-password}"
export PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"

# Seconds a service gets to become ready, and to stop before it is killed.
START_TIMEOUT="${WEIR_STACK_START_TIMEOUT:-180}"
STOP_TIMEOUT="${WEIR_STACK_STOP_TIMEOUT:-60}"

JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MAVEN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# now_s: seconds since the epoch.
now_s() { date +%s; }

# pid_alive PID EXE_NAME: true when PID runs an executable named EXE_NAME (guards against pid reuse).
pid_alive() {
  local pid="$1" exe="$2" path
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  path="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 0 # no /proc: trust kill -0
  [[ "$(basename "$path")" == "$exe"* ]]
}

# read_pid FILE: prints the pid stored in FILE, or nothing.
read_pid() { if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi; }

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_owner PORT: a short description of the process listening on PORT, if it can be found.
port_owner() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true
}

# stop_pid NAME PID EXE_NAME: SIGTERM, wait up to STOP_TIMEOUT seconds, then SIGKILL. Returns 0
# after a graceful stop, 1 when it had to kill, 2 when nothing was running.
stop_pid() {
  local name="$1" pid="$2" exe="$3" deadline
  pid_alive "$pid" "$exe" || return 2
  log "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_s) + STOP_TIMEOUT))
  while pid_alive "$pid" "$exe"; do
    if (($(now_s) >= deadline)); then
      log "$name: still running after ${STOP_TIMEOUT}s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      return 1
    fi
    sleep 0.2
  done
  log "$name: stopped"
}

# rotate_log FILE: keeps one previous run's output as FILE.1, so a failure report shows this run only.
rotate_log() { if [[ -f "$1" ]]; then mv -f "$1" "$1.1"; fi; }

# show_log_tail FILE...: the last lines of each existing file, for failure reports.
show_log_tail() {
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last 40 lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
  printf -- '-----\n' >&2
}

# spawn PIDFILE LOGFILE CMD...: runs CMD detached in its own session (it outlives this shell and
# its process group), stdout+stderr appended to LOGFILE, and writes its pid to PIDFILE. It does not
# inherit fd 9, the stack lock (see `lock` in deploy/local/stack), or the lock would outlive this command.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  local _
  for _ in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "could not start: $*"
}

# probe SERVICE PID: waits (up to START_TIMEOUT) until SERVICE really answers; fails early if PID exits.
probe() {
  local service="$1" pid="$2"
  [[ -d "$ROOT_DIR/node_modules/tsx" ]] || die "node_modules is missing: run 'npm ci' first (the readiness probe needs tsx and the clients)"
  (cd "$ROOT_DIR" && node --import tsx "$LOCAL_DIR/probe.ts" "$service" --timeout "$START_TIMEOUT" --pid "$pid")
}

# maven_install NAME POM DEST VERSION: copies the runtime jars of POM into DEST, unless DEST already
# holds exactly those (a marker records the pom's checksum). ~/.m2 is the download cache.
maven_install() {
  local name="$1" pom="$2" dest="$3" version="$4" marker want
  marker="$dest/.installed"
  want="$version $(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "$name: mvn (Maven) is required to fetch the jars"
  log "$name: resolving $version jars from Maven Central (cached in ~/.m2)"
  local tmp="$dest.tmp"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$pom" "$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$STACK_DIR/mvn-$name.log" 2>&1; then
    show_log_tail "$STACK_DIR/mvn-$name.log"
    die "$name: Maven could not resolve the jars (log: $STACK_DIR/mvn-$name.log)"
  fi
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "$want" >"$marker"
}

# pom_property POM NAME: the value of <NAME> in the pom's <properties>.
pom_property() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -n 1; }

# require_java: Java 17 or newer on the PATH (or JAVA_HOME). Sets JAVA_ID, the exact JVM build.
require_java() {
  command -v "$JAVA_BIN" >/dev/null || die "java not found (Java 17+ is required; set JAVA_HOME or PATH)"
  local props major
  props="$("$JAVA_BIN" -XshowSettings:properties -version 2>&1)"
  major="$(sed -n 's/ *java.specification.version = //p' <<<"$props")"
  [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || die "Java 17+ is required, found $major ($JAVA_BIN)"
  JAVA_ID="$(sed -n 's/ *java.vm.version = //p' <<<"$props" | tr -c 'A-Za-z0-9.\n-' '_')"
}

# Application class-data sharing: the first run of a server writes the classes it loaded to an
# archive when it exits; later runs map that archive and start several seconds faster. The archive
# sits in the jar directory (a reinstall drops it) and is named after the JVM build.
#
# cds_flags LIBDIR: sets CDS_FLAGS, the JVM flags that use the archive, or that record it at exit
# (into a .tmp file); CDS's own warnings (old class files it skips) stay out of the logs.
# shellcheck disable=SC2034 # CDS_FLAGS is read by the service scripts
cds_flags() {
  local archive="$1/.classes-$JAVA_ID.jsa"
  if [[ -s "$archive" ]]; then
    CDS_FLAGS=("-XX:SharedArchiveFile=$archive" '-Xlog:cds*=off')
  else
    CDS_FLAGS=("-XX:ArchiveClassesAtExit=$archive.tmp" '-Xlog:cds*=off')
  fi
}

# cds_commit LIBDIR: after a graceful stop, keeps the archive the server wrote while exiting.
cds_commit() {
  local tmp
  for tmp in "$1"/.classes-*.jsa.tmp; do
    [[ -s "$tmp" ]] && mv -f "$tmp" "${tmp%.tmp}"
  done
  return 0
}
