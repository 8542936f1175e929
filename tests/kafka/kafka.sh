#!/usr/bin/env bash
# Real-broker harness for edgekafka: runs Apache Kafka (KRaft, combined broker+controller nodes)
# straight from the Maven Central jars, no Docker. See tests/kafka/README.md for the full interface.
#
#   kafka.sh up [--brokers N] [--cluster NAME] [--transaction-version 1]   -> "bootstrap=host:port,..."
#   kafka.sh up --secure   -> cluster "secure" (TLS, SASL, ACLs, OIDC): bootstrap=, sasl_ssl=, ssl=, ... lines
#   kafka.sh topic NAME PARTITIONS [RF] [key=value ...]
#   kafka.sh down | bootstrap | status | features
#   kafka.sh kill ID | start ID | pause ID | resume ID
#   kafka.sh [--libs tools|broker] java MAIN_CLASS|File.java [args...]
#   kafka.sh logs [-f] [-n LINES] [ID]
#
# Cluster selection (all commands): --cluster NAME, else --brokers 3 => trio, --transaction-version 1
# => tv1, --secure => secure, else single (kill/start/pause/resume: trio if it is running, else single).
# Only the `key=value` line(s) of `up`/`bootstrap` go to stdout; progress goes to stderr.
set -euo pipefail

# ---------------------------------------------------------------------------------------------------
# Pinned versions
# ---------------------------------------------------------------------------------------------------
# The broker: org.apache.kafka:kafka_2.13 (newest on Maven Central when this was written).
KAFKA_VERSION="4.4.0"
# kafka-tools / kafka-tools-api were NOT published for 4.4.0 (Maven Central answers 404), and the
# 4.3.1 tools cannot run on the 4.4.0 jars (4.4 moved org.apache.kafka.common.utils.Exit & co. to
# ...utils.internals). So the tool classes (TopicCommand, FeatureCommand, console consumer/producer,
# ProducerPerformance) run from a second classpath that is consistently at this version.
# Set it to $KAFKA_VERSION once kafka-tools:<that version> is on Maven Central.
KAFKA_TOOLS_VERSION="4.3.1"
# Kafka 4.4 uses the slf4j 1.7 API (slf4j-api 1.7.36) => binding log4j-slf4j-impl.
LOG4J_VERSION="2.25.4"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${EDGEKAFKA_CACHE:-$HOME/.cache/edgekafka}"
STATE_ROOT="${EDGEKAFKA_KAFKA_STATE:-/tmp/edgekafka-kafka}"
# Brokers run with cwd=/, so state and cache paths must be absolute.
[[ "$CACHE_ROOT" == /* ]] || CACHE_ROOT="$PWD/$CACHE_ROOT"
[[ "$STATE_ROOT" == /* ]] || STATE_ROOT="$PWD/$STATE_ROOT"
KAFKA_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_DIR/libs"              # broker classpath (kafka_2.13 $KAFKA_VERSION + log4j2)
TOOLS_LIBS="$KAFKA_DIR/tools-libs"  # tools classpath (kafka-tools $KAFKA_TOOLS_VERSION + what it needs)
UP_TIMEOUT="${EDGEKAFKA_KAFKA_TIMEOUT:-120}"     # seconds for a cluster/broker to become ready
TOPIC_TIMEOUT="${EDGEKAFKA_TOPIC_TIMEOUT:-60}"  # seconds for a topic's partitions to get leaders
STOP_TIMEOUT=15                                 # seconds between SIGTERM and SIGKILL
LOCK_TIMEOUT=900                                # seconds to wait for another kafka.sh on the same cluster
BROKER_HEAP="${EDGEKAFKA_KAFKA_HEAP:-512m}"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi

# shellcheck source=tests/kafka/secure.sh
source "$HERE/secure.sh"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

# ---------------------------------------------------------------------------------------------------
# Jars (downloaded once per version into the cache, guarded by a lock and a completion marker)
# ---------------------------------------------------------------------------------------------------
libs_fingerprint() {
  printf 'kafka=%s tools=%s log4j=%s pom=%s\n' "$KAFKA_VERSION" "$KAFKA_TOOLS_VERSION" "$LOG4J_VERSION" \
    "$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
}

libs_ready() { [[ -f "$KAFKA_DIR/.complete" && "$(cat "$KAFKA_DIR/.complete")" == "$(libs_fingerprint)" ]]; }

ensure_libs() {
  libs_ready && return 0
  command -v mvn >/dev/null || die "mvn (Maven) is required to fetch the Kafka jars"
  command -v "$JAVA" >/dev/null || die "java 17+ is required"
  local jv
  jv="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')"
  [[ "${jv%%.*}" =~ ^[0-9]+$ && "${jv%%.*}" -ge 17 ]] || die "java 17+ is required (found ${jv:-unknown})"
  mkdir -p "$KAFKA_DIR"
  (
    exec 8>"$KAFKA_DIR/.lock"
    flock -w "$LOCK_TIMEOUT" 8 || die "timed out waiting for another download into $KAFKA_DIR"
    libs_ready && exit 0
    log "fetching Kafka $KAFKA_VERSION (tools $KAFKA_TOOLS_VERSION) from Maven Central into $KAFKA_DIR ..."
    local t0 profile tmp
    t0="$(now)"
    rm -f "$KAFKA_DIR/.complete"
    for profile in broker tools; do
      tmp="$KAFKA_DIR/$profile.tmp"
      rm -rf "$tmp"
      # (maven 3.8 prints colour resets even with -B; strip them)
      timeout 1200 mvn -B -q --no-transfer-progress -f "$HERE/pom.xml" -P "$profile" \
        -Dkafka.version="$KAFKA_VERSION" -Dkafka.tools.version="$KAFKA_TOOLS_VERSION" \
        -Dlog4j.version="$LOG4J_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 \
        | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2 \
        || die "maven download ($profile jars) failed"
    done
    [[ -f "$KAFKA_DIR/broker.tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "maven did not produce kafka_2.13-$KAFKA_VERSION.jar"
    [[ -f "$KAFKA_DIR/tools.tmp/kafka-tools-$KAFKA_TOOLS_VERSION.jar" ]] || die "maven did not produce kafka-tools-$KAFKA_TOOLS_VERSION.jar"
    rm -rf "$LIBS" "$TOOLS_LIBS"
    mv "$KAFKA_DIR/broker.tmp" "$LIBS"
    mv "$KAFKA_DIR/tools.tmp" "$TOOLS_LIBS"
    libs_fingerprint >"$KAFKA_DIR/.complete"
    log "fetched $(find "$LIBS" "$TOOLS_LIBS" -name '*.jar' | wc -l) jars in $(($(now) - t0)) s"
  )
}

# Runs a short-lived Java tool quietly and quickly (small heap, C1 only, warnings on stderr).
# $1 = broker | tools (which classpath), then the main class and its arguments.
run_tool() {
  local cp="$TOOLS_LIBS/*"
  [[ "$1" == broker ]] && cp="$LIBS/*"
  shift
  "$JAVA" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$HERE/tools-log4j2.properties" -cp "$cp" "$@"
}

ensure_kcat() {
  command -v kcat >/dev/null && return 0
  log "kcat not found; installing it from the Debian packages ..."
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  if ! timeout 600 "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y kcat >&2; then
    timeout 600 "${sudo[@]}" apt-get update >&2 || true
    timeout 600 "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y kcat >&2 \
      || die "could not install kcat"
  fi
}

# ---------------------------------------------------------------------------------------------------
# Cluster state: $STATE_ROOT/<cluster>/{cluster.env,ready,log4j2.properties,node<ID>/...}
# ---------------------------------------------------------------------------------------------------
cdir() { printf '%s/%s' "$STATE_ROOT" "$1"; }
ndir() { printf '%s/%s/node%s' "$STATE_ROOT" "$1" "$2"; }

# Loads cluster.env of cluster $1 into CLUSTER_ID, BROKERS, TXN_VERSION, PORT_<id>, CTRL_<id> (and,
# for a secure cluster, SECURE=1, its other ports and REAUTH_MS; KCAT_SEC = kcat's security options).
load_env() {
  CLUSTER_ID="" BROKERS="" TXN_VERSION="" SECURE="" PORT_SSL="" PORT_SASL_PLAINTEXT="" PORT_INTERNAL="" PORT_OIDC=""
  REAUTH_MS="" PROXIED=""
  # shellcheck disable=SC1090
  source "$(cdir "$1")/cluster.env"
  KCAT_SEC=()
  if is_secure; then secure_kcat_args; fi
}
KCAT_SEC=()

port_of() { local v="PORT_$1"; printf '%s' "${!v}"; }

# A "proxied*" cluster: each broker also listens on EXT_<id> (listener EXTERNAL) and advertises it
# as 127.0.0.1:PROXY_<id>, where a test's proxy (e.g. one that delays traffic) listens and forwards
# to EXT_<id>. Clients that bootstrap at a PROXY_ port then reach every broker through the proxy;
# PLAINTEXT (inter-broker, the tools, kcat) stays direct. One line per cluster:
#   proxy=127.0.0.1:<PROXY_1>>127.0.0.1:<EXT_1>,...
proxy_lines() { # cluster must be loaded
  [[ -n "$PROXIED" ]] || return 0
  local id out=""
  for ((id = 1; id <= BROKERS; id++)); do
    out+="${out:+,}127.0.0.1:$(eval "echo \$PROXY_$id")>127.0.0.1:$(eval "echo \$EXT_$id")"
  done
  echo "proxy=$out"
}

bootstrap_of() { # cluster must be loaded
  local id out=""
  for ((id = 1; id <= BROKERS; id++)); do out+="${out:+,}127.0.0.1:$(port_of "$id")"; done
  printf '%s' "$out"
}

# State of node $2 of cluster $1: running | paused | killed | dead | none
node_state() {
  local d pid stat st
  d="$(ndir "$1" "$2")"
  [[ -d "$d" ]] || { echo none; return; }
  if [[ -f "$d/pid" ]]; then
    pid="$(cat "$d/pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/stat" ]] \
      && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$d/server.properties"; then
      stat="$(cat "/proc/$pid/stat" 2>/dev/null || true)"
      st="${stat##*) }"; st="${st%% *}"
      case "$st" in
        Z | X | "") ;;                     # exited; fall through to killed/dead
        T | t) echo paused; return ;;
        *) echo running; return ;;
      esac
    fi
  fi
  if [[ -f "$d/killed" ]]; then echo killed; else echo dead; fi
}

node_pid() { # prints the pid only if it is a live process started by this script
  local st
  st="$(node_state "$1" "$2")"
  [[ "$st" == running || "$st" == paused ]] && cat "$(ndir "$1" "$2")/pid"
  return 0
}

cluster_alive() { # at least one node process is alive
  local c="$1" id st
  [[ -f "$(cdir "$c")/cluster.env" ]] || return 1
  load_env "$c"
  for ((id = 1; id <= BROKERS; id++)); do
    st="$(node_state "$c" "$id")"
    [[ "$st" == running || "$st" == paused ]] && return 0
  done
  return 1
}

# Takes the per-cluster lock on fd 9 (released when the script exits).
lock_cluster() {
  mkdir -p "$STATE_ROOT"
  exec 9>"$STATE_ROOT/.$1.lock"
  flock -w "$LOCK_TIMEOUT" 9 || die "timed out waiting for another kafka.sh working on cluster '$1'"
}

# Prints n free TCP ports on 127.0.0.1, outside the ephemeral range and not used by other clusters.
pick_ports() {
  local n="$1" used=() f
  for f in "$STATE_ROOT"/*/cluster.env; do
    [[ -f "$f" ]] || continue
    while IFS='=' read -r k v; do
      [[ "$k" == PORT_* || "$k" == CTRL_* || "$k" == EXT_* || "$k" == PROXY_* ]] && used+=("$v")
    done <"$f"
  done
  if command -v python3 >/dev/null; then
    python3 - "$n" "${used[@]}" <<'EOF'
import random, socket, sys
n = int(sys.argv[1]); used = set(int(p) for p in sys.argv[2:])
rnd = random.SystemRandom(); held = []; ports = []
for _ in range(20000):
    if len(ports) == n:
        break
    p = rnd.randrange(20000, 32000)
    if p in used or p in ports:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s); ports.append(p)
if len(ports) < n:
    sys.exit("could not find free ports")
print(" ".join(map(str, ports)))
EOF
  else
    local out=() p tries=0
    while ((${#out[@]} < n && tries < 20000)); do
      tries=$((tries + 1))
      p=$((20000 + RANDOM % 12000))
      [[ " ${used[*]} ${out[*]} " == *" $p "* ]] && continue
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then out+=("$p"); fi
    done
    ((${#out[@]} == n)) || die "could not find free ports"
    echo "${out[*]}"
  fi
}

new_cluster_id() {
  if command -v python3 >/dev/null; then
    python3 -c '
import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    if not s.startswith("-"):
        print(s); break'
  else
    run_tool broker kafka.tools.StorageTool random-uuid
  fi
}

write_server_properties() { # cluster loaded; $1 cluster, $2 node id
  local c="$1" id="$2" d voters="" i rf minisr ext_listener="" ext_advertised=""
  d="$(ndir "$c" "$id")"
  if [[ -n "$PROXIED" ]]; then
    ext_listener=",EXTERNAL://127.0.0.1:$(eval "echo \$EXT_$id")"
    ext_advertised=",EXTERNAL://127.0.0.1:$(eval "echo \$PROXY_$id")"
  fi
  for ((i = 1; i <= BROKERS; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(eval "echo \$CTRL_$i")"; done
  rf=$((BROKERS < 3 ? BROKERS : 3))
  minisr=$((BROKERS == 1 ? 1 : 2))
  mkdir -p "$d/data" "$d/logs"
  cat >"$d/server.properties" <<EOF
# Generated by tests/kafka/kafka.sh for cluster '$c', node $id of $BROKERS (Kafka $KAFKA_VERSION).
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(port_of "$id"),CONTROLLER://127.0.0.1:$(eval "echo \$CTRL_$id")$ext_listener
advertised.listeners=PLAINTEXT://127.0.0.1:$(port_of "$id")$ext_advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${PROXIED:+,EXTERNAL:PLAINTEXT}
log.dirs=$d/data

auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
share.coordinator.state.topic.num.partitions=4
group.initial.rebalance.delay.ms=0

# small footprint for a 512 MiB heap
log.cleaner.dedupe.buffer.size=33554432
num.recovery.threads.per.data.dir=1
EOF
}

# Starts node $2 of cluster $1 in its own session; stdout/stderr go to node<ID>/stdout.log.
start_node() {
  local c="$1" id="$2" d opts=()
  d="$(ndir "$c" "$id")"
  rm -f "$d/killed" "$d/pid"
  # shellcheck disable=SC2206
  [[ -n "${EDGEKAFKA_KAFKA_JAVA_OPTS:-}" ]] && opts=(${EDGEKAFKA_KAFKA_JAVA_OPTS})
  secure_java_opts
  opts+=("${SECURE_OPTS[@]}")
  printf '\n==== %s starting node %s\n' "$(date '+%F %T')" "$id" >>"$d/stdout.log"
  (
    cd /
    # Keep no descriptor of our caller: an inherited pipe (e.g. a test runner's extra stdio, or our
    # own lock on fd 9) would stay open for the broker's whole life and make the caller hang on it.
    for f in /proc/self/fd/*; do
      f="${f##*/}"
      [[ "$f" =~ ^[0-9]+$ && "$f" -gt 2 && "$f" -ne 255 ]] && eval "exec $f>&-" 2>/dev/null
    done
    exec setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ "$d/pid" \
      "$JAVA" "-Xmx$BROKER_HEAP" "-Xms$BROKER_HEAP" -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$(cdir "$c")/log4j2.properties" -Dkafka.logs.dir="$d/logs" \
      "${opts[@]}" -cp "$LIBS/*" kafka.Kafka "$d/server.properties"
  ) </dev/null >>"$d/stdout.log" 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do [[ -s "$d/pid" ]] && return 0; sleep 0.05; done
  die "node $id of cluster '$c' did not start (no pid file)"
}

print_log_tail() { # $1 cluster, $2 node id
  local d
  d="$(ndir "$1" "$2")"
  {
    printf '\n----- cluster %s node %s: last 60 lines of %s\n' "$1" "$2" "$d/logs/server.log"
    tail -n 60 "$d/logs/server.log" 2>/dev/null || echo "(no server.log)"
    printf -- '----- cluster %s node %s: last 20 lines of %s\n' "$1" "$2" "$d/stdout.log"
    tail -n 20 "$d/stdout.log" 2>/dev/null || echo "(no stdout.log)"
  } >&2
}

# Broker ids listed in the metadata that the broker on port $1 answers with (empty if no answer).
kcat_broker_ids() {
  timeout 10 kcat -L -b "127.0.0.1:$1" "${KCAT_SEC[@]}" -m 2 2>/dev/null | awk '/^ +broker -?[0-9]+ at /{print $2}' | sort -n | tr '\n' ' ' || true
}

# Waits until every running (not paused/killed) node of the loaded cluster answers a metadata request
# listing all running nodes. Fails (with log tails) if a node that should run dies or time runs out.
wait_healthy() {
  local c="$1" timeout="$2" must=("${@:3}") deadline id st want got ok w
  deadline=$(($(now) + timeout))
  while :; do
    ok=1 want=""
    for ((id = 1; id <= BROKERS; id++)); do
      st="$(node_state "$c" "$id")"
      if [[ "$st" == running ]]; then
        want+="$id "
      elif [[ " ${must[*]} " == *" $id "* ]]; then
        log "node $id of cluster '$c' exited during startup"
        print_log_tail "$c" "$id"
        return 1
      fi
    done
    for id in $want; do
      got="$(kcat_broker_ids "$(port_of "$id")")"
      for w in $want; do [[ " $got " == *" $w "* ]] || { ok=0; break 2; }; done
    done
    ((ok)) && [[ -n "$want" ]] && return 0
    if (($(now) >= deadline)); then
      log "cluster '$c' not ready after ${timeout}s (running nodes: ${want:-none}; node ${id:-?} lists: ${got:-nothing})"
      for id in $want; do print_log_tail "$c" "$id"; done
      return 1
    fi
    sleep 0.5
  done
}

# Stops every process of cluster $1 that this script started: SIGCONT, SIGTERM, wait up to
# $STOP_TIMEOUT s, SIGKILL. With $2 = fast (a broken cluster whose data is about to be deleted anyway;
# its survivors could hang in controlled shutdown without a quorum): SIGCONT, SIGKILL.
stop_cluster() {
  local c="$1" sig=TERM d pids=() pid id deadline
  [[ "${2:-}" == fast ]] && sig=KILL
  oidc_down "$c"
  for d in "$(cdir "$c")"/node*; do
    [[ -d "$d" ]] || continue
    id="${d##*/node}"
    pid="$(node_pid "$c" "$id")"
    [[ -n "$pid" ]] || continue
    kill -CONT "$pid" 2>/dev/null || true
    kill "-$sig" "$pid" 2>/dev/null || true
    pids+=("$c:$id:$pid")
  done
  ((${#pids[@]})) || return 0
  log "stopping cluster '$c' (SIG$sig to pids: ${pids[*]##*:}) ..."
  deadline=$(($(now) + STOP_TIMEOUT))
  while (($(now) < deadline)); do
    local alive=0 e
    for e in "${pids[@]}"; do
      IFS=: read -r _ id pid <<<"$e"
      [[ -n "$(node_pid "$c" "$id")" ]] && alive=1
    done
    ((alive)) || return 0
    sleep 0.2
  done
  for e in "${pids[@]}"; do
    IFS=: read -r _ id pid <<<"$e"
    if [[ -n "$(node_pid "$c" "$id")" ]]; then
      log "node $id (pid $pid) did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for ((deadline = 0; deadline < 50; deadline++)); do
    local alive=0
    for e in "${pids[@]}"; do
      IFS=: read -r _ id pid <<<"$e"
      [[ -n "$(node_pid "$c" "$id")" ]] && alive=1
    done
    ((alive)) || return 0
    sleep 0.1
  done
  log "warning: some processes of cluster '$c' are still alive"
}

wipe_cluster() { # $1 cluster, $2 = fast (see stop_cluster)
  local c="$1"
  [[ -n "$c" && "$c" =~ ^[A-Za-z0-9._-]+$ && -n "$STATE_ROOT" ]] || die "refusing to wipe '$c'"
  stop_cluster "$c" "${2:-}"
  rm -rf "${STATE_ROOT:?}/$c"
}

# ---------------------------------------------------------------------------------------------------
# Cluster selection
# ---------------------------------------------------------------------------------------------------
OPT_CLUSTER="" OPT_BROKERS="" OPT_TV="" OPT_SECURE="" OPT_LIBS="${EDGEKAFKA_JAVA_LIBS:-}"

default_name() { # from --secure / --brokers / --transaction-version, or empty
  local n="${OPT_BROKERS:-1}"
  if [[ -n "$OPT_SECURE" ]]; then
    echo secure
  elif [[ -n "$OPT_TV" ]]; then
    if [[ "$n" == 1 ]]; then echo "tv$OPT_TV"; else echo "n$n-tv$OPT_TV"; fi
  elif [[ -n "$OPT_BROKERS" ]]; then
    case "$n" in 1) echo single ;; 3) echo trio ;; *) echo "n$n" ;; esac
  fi
}

select_cluster() { # $1 = fallback mode: single | fault
  local name="${OPT_CLUSTER:-$(default_name)}"
  if [[ -z "$name" ]]; then
    if [[ "$1" == fault ]] && cluster_alive trio; then name=trio; else name=single; fi
  fi
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid cluster name '$name'"
  echo "$name"
}

require_running() { # loads the cluster or dies
  local c="$1"
  [[ -f "$(cdir "$c")/cluster.env" && -f "$(cdir "$c")/ready" ]] && cluster_alive "$c" \
    || die "cluster '$c' is not running (start it with: kafka.sh up${OPT_CLUSTER:+ --cluster $c}${OPT_BROKERS:+ --brokers $OPT_BROKERS})"
  load_env "$c"
}

running_bootstrap() { # bootstrap of the running (not paused/killed) nodes of the loaded cluster $1
  local c="$1" id out=""
  for ((id = 1; id <= BROKERS; id++)); do
    [[ "$(node_state "$c" "$id")" == running ]] && out+="${out:+,}127.0.0.1:$(port_of "$id")"
  done
  [[ -n "$out" ]] || die "no running node in cluster '$c'"
  printf '%s' "$out"
}

# ---------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------
finalized_level() { # $1 cluster (loaded), $2 feature -> prints its FinalizedVersionLevel
  tool_security_args "$1"
  run_tool tools org.apache.kafka.tools.FeatureCommand --bootstrap-server "$(running_bootstrap "$1")" \
    "${TOOL_SEC[@]}" describe \
    | sed -n -E "s/^Feature: ${2//./\\.}[[:space:]].*FinalizedVersionLevel: ([^[:space:]]+).*$/\1/p"
}

cmd_up() {
  local c="$1" want_brokers want_tv want_secure="" id st stale=0 t0 changed=0 pids
  t0="$(now)"
  case "$c" in trio) want_brokers="${OPT_BROKERS:-3}" ;; *) want_brokers="${OPT_BROKERS:-1}" ;; esac
  want_tv="$OPT_TV"
  [[ -z "$want_tv" && "$c" =~ ^(n[0-9]+-)?tv([0-9]+)$ ]] && want_tv="${BASH_REMATCH[2]}"
  [[ -n "$OPT_SECURE" || "$c" == secure ]] && want_secure=1
  [[ "$want_brokers" =~ ^[1-9]$ ]] || die "--brokers must be 1..9"
  [[ -z "$want_tv" || "$want_tv" =~ ^[0-9]+$ ]] || die "--transaction-version must be a number"
  [[ -z "$want_secure" || "$want_brokers" == 1 ]] || die "a secure cluster has exactly one node"
  [[ -z "${EDGEKAFKA_REAUTH_MS:-}" || "$EDGEKAFKA_REAUTH_MS" =~ ^[0-9]+$ ]] || die "EDGEKAFKA_REAUTH_MS must be a number of milliseconds"

  lock_cluster "$c"
  ensure_libs
  ensure_kcat
  [[ -n "$want_secure" ]] && ensure_tls

  if [[ -f "$(cdir "$c")/cluster.env" ]]; then
    load_env "$c"
    if [[ ! -f "$(cdir "$c")/ready" ]]; then
      stale=1
    else
      for ((id = 1; id <= BROKERS; id++)); do
        st="$(node_state "$c" "$id")"
        [[ "$st" == dead || "$st" == none ]] && stale=1
      done
    fi
    if ((stale)); then
      log "cluster '$c' has stale state (a node exited without kafka.sh kill); wiping it and starting fresh"
      wipe_cluster "$c" fast
    else
      [[ -z "$OPT_BROKERS" || "$BROKERS" == "$want_brokers" ]] \
        || die "cluster '$c' already runs with $BROKERS broker(s); run 'kafka.sh --cluster $c down' first"
      [[ -z "$want_tv" || "$TXN_VERSION" == "$want_tv" ]] \
        || die "cluster '$c' was formatted with transaction.version=${TXN_VERSION:-default}; run 'kafka.sh --cluster $c down' first"
      [[ "$want_secure" == "$SECURE" ]] \
        || die "cluster '$c' runs $(is_secure && echo with || echo without) security; run 'kafka.sh --cluster $c down' first"
      if is_secure; then
        oidc_up "$c"
        # A different EDGEKAFKA_REAUTH_MS restarts the broker with it (same data, same ports).
        if [[ -n "${EDGEKAFKA_REAUTH_MS:-}" && "$EDGEKAFKA_REAUTH_MS" != "$REAUTH_MS" ]]; then
          log "restarting cluster '$c' with connections.max.reauth.ms=$EDGEKAFKA_REAUTH_MS (was ${REAUTH_MS:-the default})"
          sed -i "s/^REAUTH_MS=.*/REAUTH_MS=$EDGEKAFKA_REAUTH_MS/" "$(cdir "$c")/cluster.env"
          load_env "$c"
          secure_stop_node "$c" 1
          write_secure_server_properties "$c" 1
          start_node "$c" 1
          changed=1
        fi
      fi
      # Heal: resume paused nodes, restart nodes stopped with `kafka.sh kill`.
      for ((id = 1; id <= BROKERS; id++)); do
        case "$(node_state "$c" "$id")" in
          paused) log "resuming paused node $id"; kill -CONT "$(cat "$(ndir "$c" "$id")/pid")"; changed=1 ;;
          killed) log "restarting killed node $id"; start_node "$c" "$id"; changed=1 ;;
        esac
      done
      if ((changed)) || ! quick_check "$c"; then
        local all=()
        for ((id = 1; id <= BROKERS; id++)); do all+=("$id"); done
        wait_healthy "$c" "$UP_TIMEOUT" "${all[@]}" || die "cluster '$c' is not healthy"
      fi
      if is_secure; then secure_lines; else echo "bootstrap=$(bootstrap_of)"; proxy_lines; fi
      return 0
    fi
  fi

  # Fresh cluster.
  local d ports p i
  d="$(cdir "$c")"
  mkdir -p "$d"
  local nports=$((2 * want_brokers))
  [[ -n "$want_secure" ]] && nports=$((nports + SECURE_EXTRA_PORTS))
  local proxied=""
  [[ "$c" == proxied* && -z "$want_secure" ]] && proxied=1 && nports=$((nports + 2 * want_brokers))
  read -r -a ports <<<"$(pick_ports "$nports")"
  {
    echo "CLUSTER_ID=$(new_cluster_id)"
    echo "BROKERS=$want_brokers"
    echo "TXN_VERSION=$want_tv"
    echo "KAFKA_VERSION=$KAFKA_VERSION"
    for ((i = 1; i <= want_brokers; i++)); do
      echo "PORT_$i=${ports[$((2 * i - 2))]}"
      echo "CTRL_$i=${ports[$((2 * i - 1))]}"
    done
    if [[ -n "$want_secure" ]]; then secure_env "${ports[@]:$((2 * want_brokers))}"; fi
    if [[ -n "$proxied" ]]; then
      echo "PROXIED=1"
      for ((i = 1; i <= want_brokers; i++)); do
        echo "EXT_$i=${ports[$((2 * want_brokers + 2 * i - 2))]}"
        echo "PROXY_$i=${ports[$((2 * want_brokers + 2 * i - 1))]}"
      done
    fi
  } >"$d/cluster.env"
  cp "$HERE/log4j2.properties" "$d/log4j2.properties"
  load_env "$c"
  log "creating cluster '$c': $BROKERS node(s), cluster id $CLUSTER_ID${TXN_VERSION:+, transaction.version=$TXN_VERSION}${SECURE:+, secure}"
  local fmt=(-t "$CLUSTER_ID")
  [[ -n "$TXN_VERSION" ]] && fmt+=(--feature "transaction.version=$TXN_VERSION")
  if is_secure; then
    mapfile -t -O "${#fmt[@]}" fmt < <(secure_format_args)
    write_admin_config "$c"
    oidc_up "$c"
  fi
  pids=()
  for ((id = 1; id <= BROKERS; id++)); do
    if is_secure; then write_secure_server_properties "$c" "$id"; else write_server_properties "$c" "$id"; fi
    run_tool broker kafka.tools.StorageTool format "${fmt[@]}" -c "$(ndir "$c" "$id")/server.properties" \
      >"$(ndir "$c" "$id")/format.log" 2>&1 &
    pids+=($!)
  done
  for ((id = 1; id <= BROKERS; id++)); do
    if ! wait "${pids[$((id - 1))]}"; then
      cat "$(ndir "$c" "$id")/format.log" >&2
      die "formatting node $id of cluster '$c' failed"
    fi
  done
  for ((id = 1; id <= BROKERS; id++)); do start_node "$c" "$id"; done
  local all=()
  for ((id = 1; id <= BROKERS; id++)); do all+=("$id"); done
  if ! wait_healthy "$c" "$UP_TIMEOUT" "${all[@]}"; then
    stop_cluster "$c" fast
    die "cluster '$c' failed to start (state kept in $d for inspection; the next 'up' wipes it)"
  fi
  if [[ -n "$TXN_VERSION" ]]; then
    local lvl
    lvl="$(finalized_level "$c" transaction.version)"
    if [[ "$lvl" != "$TXN_VERSION" ]]; then
      stop_cluster "$c" fast
      die "transaction.version is finalized at '${lvl:-?}', expected $TXN_VERSION"
    fi
    log "verified with FeatureCommand: transaction.version finalized at $lvl"
  fi
  if is_secure; then
    if ! secure_acls "$c"; then
      stop_cluster "$c" fast
      die "could not create the ACLs of cluster '$c'"
    fi
    log "ACLs: User:$ALICE_USER may Write/Describe/Read topics and Write/Describe transactional ids prefixed '$ALICE_USER-'"
  fi
  touch "$d/ready"
  log "cluster '$c' ready in $(($(now) - t0)) s"
  if is_secure; then secure_lines; else echo "bootstrap=$(bootstrap_of)"; proxy_lines; fi
}

quick_check() { # every running node accepts TCP connections
  local c="$1" id
  for ((id = 1; id <= BROKERS; id++)); do
    [[ "$(node_state "$c" "$id")" == running ]] || continue
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$(port_of "$id")" 2>/dev/null || return 1
  done
}

cmd_down_one() {
  local c="$1"
  [[ -d "$(cdir "$c")" ]] || { log "cluster '$c' is not present"; return 0; }
  lock_cluster "$c"
  wipe_cluster "$c"
  log "cluster '$c' is down"
}

cmd_down() {
  if [[ -n "$OPT_CLUSTER$OPT_BROKERS$OPT_TV" ]]; then
    cmd_down_one "$(select_cluster single)"
    return
  fi
  local d any=0
  for d in "$STATE_ROOT"/*/; do
    [[ -d "$d" ]] || continue
    any=1
    (cmd_down_one "$(basename "$d")")
  done
  ((any)) || log "no cluster to stop"
}

cmd_topic() {
  local c="$1" name="${2:-}" parts="${3:-}" rf="" kv cfg=()
  shift 3 || die "usage: kafka.sh topic NAME PARTITIONS [RF] [key=value ...]"
  [[ -n "$name" && "$parts" =~ ^[0-9]+$ ]] || die "usage: kafka.sh topic NAME PARTITIONS [RF] [key=value ...]"
  if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then rf="$1"; shift; fi
  for kv in "$@"; do
    [[ "$kv" == *=* ]] || die "topic config must be key=value, got '$kv'"
    cfg+=(--config "$kv")
  done
  require_running "$c"
  ensure_libs
  ensure_kcat
  rf="${rf:-1}"
  local boot
  boot="$(running_bootstrap "$c")"
  tool_security_args "$c"
  run_tool tools org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" "${TOOL_SEC[@]}" \
    --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor "$rf" "${cfg[@]}" >&2 \
    || die "TopicCommand failed for topic '$name'"
  # Wait until every running broker reports every partition with a leader.
  local deadline id meta n ok
  deadline=$(($(now) + TOPIC_TIMEOUT))
  while :; do
    ok=1
    for ((id = 1; id <= BROKERS; id++)); do
      [[ "$(node_state "$c" "$id")" == running ]] || continue
      meta="$(timeout 10 kcat -L -b "127.0.0.1:$(port_of "$id")" "${KCAT_SEC[@]}" -t "$name" -m 2 2>/dev/null || true)"
      n="$(printf '%s\n' "$meta" | sed -n "s/^ *topic \"$name\" with \([0-9]*\) partitions:\$/\1/p")"
      if [[ -z "$n" ]]; then ok=0; break; fi
      if [[ "$n" != "$parts" ]]; then
        die "topic '$name' already exists with $n partitions (wanted $parts); delete it or use another name"
      fi
      if [[ "$(printf '%s\n' "$meta" | grep -cE '^ +partition [0-9]+, leader [0-9]+, replicas: [0-9,]+, isrs: [0-9,]+$')" != "$parts" ]]; then
        ok=0; break
      fi
    done
    ((ok)) && break
    (($(now) < deadline)) || die "topic '$name': not every partition has a leader after ${TOPIC_TIMEOUT}s"$'\n'"$meta"
    sleep 0.3
  done
  log "topic '$name' ready on cluster '$c' ($parts partitions, RF $rf${cfg[*]:+, ${cfg[*]}})"
}

check_node_id() {
  [[ "$2" =~ ^[0-9]+$ && "$2" -ge 1 && "$2" -le "$BROKERS" ]] \
    || die "cluster '$1' has no node '$2' (nodes 1..$BROKERS; pick the cluster with --brokers 3 or --cluster NAME)"
}

cmd_kill() {
  local c="$1" id="${2:-}" pid i
  require_running "$c"; check_node_id "$c" "$id"
  lock_cluster "$c"
  pid="$(node_pid "$c" "$id")"
  if [[ -z "$pid" ]]; then log "node $id of cluster '$c' is not running"; touch "$(ndir "$c" "$id")/killed"; return 0; fi
  kill -KILL "$pid"
  for ((i = 0; i < 100; i++)); do [[ -z "$(node_pid "$c" "$id")" ]] && break; sleep 0.1; done
  touch "$(ndir "$c" "$id")/killed"
  rm -f "$(ndir "$c" "$id")/pid"
  log "killed node $id of cluster '$c' (pid $pid)"
}

cmd_start() {
  local c="$1" id="${2:-}" t0
  t0="$(now)"
  [[ -f "$(cdir "$c")/ready" ]] || die "cluster '$c' does not exist (run kafka.sh up)"
  load_env "$c"; check_node_id "$c" "$id"
  lock_cluster "$c"
  case "$(node_state "$c" "$id")" in
    running) log "node $id of cluster '$c' is already running" ;;
    paused) log "node $id of cluster '$c' was paused; resuming it"; kill -CONT "$(node_pid "$c" "$id")" ;;
    *) ensure_libs; start_node "$c" "$id" ;;
  esac
  wait_healthy "$c" "$UP_TIMEOUT" "$id" || die "node $id of cluster '$c' did not come back"
  log "node $id of cluster '$c' registered again after $(($(now) - t0)) s"
}

cmd_signal() { # pause|resume
  local c="$1" id="${3:-}" pid st
  require_running "$c"; check_node_id "$c" "$id"
  st="$(node_state "$c" "$id")"
  pid="$(node_pid "$c" "$id")"
  [[ -n "$pid" ]] || die "node $id of cluster '$c' is not running ($st)"
  if [[ "$2" == pause ]]; then
    kill -STOP "$pid"
    log "paused node $id of cluster '$c' (pid $pid, SIGSTOP)"
  else
    kill -CONT "$pid"
    log "resumed node $id of cluster '$c' (pid $pid, SIGCONT)"
  fi
}

cmd_bootstrap() {
  local c="$1"
  [[ -f "$(cdir "$c")/ready" ]] && cluster_alive "$c" || { log "cluster '$c' is not running"; exit 1; }
  load_env "$c"
  if is_secure; then secure_lines; else echo "bootstrap=$(bootstrap_of)"; proxy_lines; fi
}

cmd_status() {
  local d c id any=0
  for d in "$STATE_ROOT"/*/; do
    [[ -f "$d/cluster.env" ]] || continue
    c="$(basename "$d")"; any=1
    load_env "$c"
    printf '%s: bootstrap=%s%s%s\n' "$c" "$(bootstrap_of)" "${TXN_VERSION:+ transaction.version=$TXN_VERSION}" \
      "$([[ -f "$d/ready" ]] || echo ' (not ready)')"
    for ((id = 1; id <= BROKERS; id++)); do
      printf '  node %s  %-8s port %s  pid %s\n' "$id" "$(node_state "$c" "$id")" "$(port_of "$id")" \
        "$(cat "$(ndir "$c" "$id")/pid" 2>/dev/null || echo -)"
    done
    if is_secure; then
      local op
      op="$(oidc_pid "$c")"
      printf '  oidc    %-8s port %s  pid %s\n' "$([[ -n "$op" ]] && echo running || echo dead)" "$PORT_OIDC" "${op:--}"
    fi
  done
  ((any)) || echo "no clusters"
}

cmd_features() {
  require_running "$1"
  ensure_libs
  tool_security_args "$1"
  run_tool tools org.apache.kafka.tools.FeatureCommand --bootstrap-server "$(running_bootstrap "$1")" \
    "${TOOL_SEC[@]}" describe
}

cmd_logs() {
  local c="$1" follow=0 lines=100 id="" files=()
  shift
  while (($#)); do
    case "$1" in
      -f | --follow) follow=1 ;;
      -n) lines="${2:?}"; shift ;;
      *) id="$1" ;;
    esac
    shift
  done
  [[ -f "$(cdir "$c")/cluster.env" ]] || die "cluster '$c' does not exist"
  load_env "$c"
  if [[ -n "$id" ]]; then
    check_node_id "$c" "$id"
    files=("$(ndir "$c" "$id")/logs/server.log")
  else
    for ((id = 1; id <= BROKERS; id++)); do files+=("$(ndir "$c" "$id")/logs/server.log"); done
  fi
  if ((follow)); then exec tail -n "$lines" -F "${files[@]}"; else tail -n "$lines" "${files[@]}"; fi
}

cmd_java() {
  (($#)) || die "usage: kafka.sh java MAIN_CLASS|File.java [args...]"
  ensure_libs
  # Classpath: org.apache.kafka.tools.* classes need the tools jars (see KAFKA_TOOLS_VERSION); everything
  # else (single-file .java programs, kafka.* classes) gets the broker's own $KAFKA_VERSION jars.
  local libs="$OPT_LIBS" opts=() cp
  if [[ -z "$libs" ]]; then
    if [[ "$1" == org.apache.kafka.tools.* ]]; then libs=tools; else libs=broker; fi
  fi
  if [[ "$libs" == tools ]]; then
    cp="$TOOLS_LIBS/*"
    # OAUTHBEARER/OIDC clients (OAuthBearerLoginCallbackHandler) need jose4j, which the tools'
    # classpath leaves out: borrow the broker's.
    local jose
    for jose in "$LIBS"/jose4j-*.jar; do [[ -f "$jose" ]] && cp+=":$jose"; done
  else
    cp="$LIBS/*"
  fi
  # shellcheck disable=SC2206
  [[ -n "${EDGEKAFKA_JAVA_OPTS:-}" ]] && opts=(${EDGEKAFKA_JAVA_OPTS})
  [[ -n "${EDGEKAFKA_CLASSPATH:-}" ]] && cp="$EDGEKAFKA_CLASSPATH:$cp"
  # Java 17 decodes argv and encodes stdout with the locale's charset: make sure that is UTF-8.
  case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in *UTF-8* | *utf8* | *UTF8* | *utf-8*) ;; *) export LC_ALL=C.UTF-8 ;; esac
  exec "$JAVA" -Djava.awt.headless=true -Dlog4j2.configurationFile="$HERE/tools-log4j2.properties" \
    "${opts[@]}" -cp "$cp" "$@"
}

# ---------------------------------------------------------------------------------------------------
# Argument parsing: options may appear anywhere before the command's own arguments end; after
# `java` everything is passed through untouched.
# ---------------------------------------------------------------------------------------------------
main() {
  local cmd="" args=()
  while (($#)); do
    case "$1" in
      --cluster) OPT_CLUSTER="${2:?--cluster needs a name}"; shift 2 ;;
      --cluster=*) OPT_CLUSTER="${1#*=}"; shift ;;
      --brokers) OPT_BROKERS="${2:?--brokers needs a number}"; shift 2 ;;
      --brokers=*) OPT_BROKERS="${1#*=}"; shift ;;
      --transaction-version) OPT_TV="${2:?--transaction-version needs a number}"; shift 2 ;;
      --transaction-version=*) OPT_TV="${1#*=}"; shift ;;
      --secure) OPT_SECURE=1; shift ;;
      --libs) OPT_LIBS="${2:?--libs needs broker or tools}"; shift 2 ;;
      --libs=*) OPT_LIBS="${1#*=}"; shift ;;
      -h | --help | help) usage; exit 0 ;;
      *)
        if [[ -z "$cmd" ]]; then
          cmd="$1"; shift
          if [[ "$cmd" == java ]]; then args=("$@"); break; fi
        else
          args+=("$1"); shift
        fi
        ;;
    esac
  done
  [[ -z "$OPT_BROKERS" || "$OPT_BROKERS" =~ ^[1-9]$ ]] || die "--brokers must be 1..9"
  [[ -z "$OPT_LIBS" || "$OPT_LIBS" == tools || "$OPT_LIBS" == broker ]] || die "--libs must be 'broker' or 'tools'"
  case "$cmd" in
    up) cmd_up "$(select_cluster single)" ;;
    down) cmd_down ;;
    topic) cmd_topic "$(select_cluster single)" "${args[@]}" ;;
    kill) cmd_kill "$(select_cluster fault)" "${args[@]}" ;;
    start) cmd_start "$(select_cluster fault)" "${args[@]}" ;;
    pause | resume) cmd_signal "$(select_cluster fault)" "$cmd" "${args[@]}" ;;
    bootstrap) cmd_bootstrap "$(select_cluster single)" ;;
    status) cmd_status ;;
    features) cmd_features "$(select_cluster single)" ;;
    logs) cmd_logs "$(select_cluster single)" "${args[@]}" ;;
    java) cmd_java "${args[@]}" ;;
    "") usage; exit 2 ;;
    *) usage; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
