#!/usr/bin/env bash
# Tidings fan-out benchmark, side by side with nginx + Nchan. See BENCHMARKS.md.
#
#   src/bench/run.sh [scenario ...]        scenarios: capacity simple chat kafka drop failover
#                                          (default: all but failover)
#
#   capacity  19,000 idle SSE clients over 100 keys (feed type): heap and RSS per idle client,
#             then 100 notifies/s for 10 s to show every client is alive
#   simple    10,000 clients over 100 keys, feed (pass-through) type: 200 notifies/s for 20 s
#             (latency), then as fast as the server delivers for 20 s (throughput)
#   chat      the same with the prepare-bearing chat type, 4 tabs per identity (2,500 identities)
#   kafka     the simple scenario on the Kafka transport: a private broker, two replicas, clients
#             split between them, notifies alternating between them (compared with in-process
#             `simple` from target/bench/simple, so run simple first)
#   drop      one replica on Kafka, 5,000,000 records for keys nobody listens on, written while
#             the replica is stopped, then timed while it reads and drops them
#   failover  the failover storm (issue 12): two replicas on Kafka, 10,000 clients over 100 keys
#             listening with listen= in their URLs, split between them, 200 notifies/s alternating
#             between them; after the warm-up and 10 s of calm, replica 1 is killed with kill -9 and
#             its clients reconnect to the survivor after 1-3 s of jitter with Last-Event-ID; timed
#             until every moved client has recovered and is live, with losses, duplicates,
#             event: missed, and the survivor's own clients' latency before, during and after
#             (Tidings only; figures in target/bench/failover/)
#
# Each scenario runs the packaged application (demo profile) and then a private nginx + Nchan on
# loopback with the same clients, keys and rates; figures land in target/bench/<scenario>/ and the
# comparison tables in target/bench/report.md.
#
# Environment: CLIENTS, KEYS, TABS, DURATION (seconds per load phase) override the scenario's sizes;
# WARMUP (seconds of unreported full-speed load before the measured phases, default 15);
# SMALL=1 runs 1,500 clients for 8 s (development); JFR=1 records a JFR profile of the server
# (target/bench/<scenario>/tidings.jfr); NO_BUILD=1 skips packaging; ONLY=tidings|nchan runs one
# side; the server runs with the JVM flags of the README's run command (RUN_FLAGS below, which
# JvmFlagsTest keeps equal to the image's and src/cluster/start's); GC replaces them (GC=-XX:+UseG1GC
# for G1 with the JVM's own heap shape); SERVER_OPTS adds JVM options for the server, GEN_OPTS for the load generator (e.g. a GC log); APP=<dir> runs another build (default
# target/quarkus-app), e.g. a copy of the previous one for before/after figures. failover only:
# RATE (notifies/s, default 200), CALM and AFTER (seconds measured before the kill and after every
# moved client recovered, default 10 each), JITTER (reconnect delay range in ms, default 1000-3000),
# CURSOR=0 (a control run: the moved clients reconnect without Last-Event-ID, so losses must show).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=$ROOT/target/bench
TIDINGS_PORT=${TIDINGS_PORT:-28480}
# The README's run command: the collector and young generation every way of running Tidings uses.
RUN_FLAGS=${RUN_FLAGS:-"-XX:+UseParallelGC -Xmn96m"}
NCHAN_PORT=${NCHAN_PORT:-28481}
mkdir -p "$OUT"

STARTED=()
cleanup() {
    for pid in "${STARTED[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    STARTED=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One process may hold about 20,000 open files here: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"

# ---- prerequisites ------------------------------------------------------------------------------
if [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ] || ! command -v nginx >/dev/null; then
    echo "installing nginx and libnginx-mod-nchan (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-nchan >/dev/null
fi
if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "packaging the application and the load generator"
    mvn -q package -DskipTests
    mvn -q -f src/bench/loadgen/pom.xml package -DskipTests
fi
# A copy of the generator's classes, so that rebuilding it cannot disturb a run in progress.
rm -rf "$OUT/loadgen-classes"; cp -r "$ROOT/src/bench/loadgen/target/classes" "$OUT/loadgen-classes"
LOADGEN_CP="$OUT/loadgen-classes:$(cat "$ROOT/src/bench/loadgen/target/classpath.txt")"

# ---- servers ------------------------------------------------------------------------------------
port_free() { # port
    if ss -ltn "sport = :$1" | grep -q LISTEN; then
        echo "port $1 is taken by another process; set TIDINGS_PORT / NCHAN_PORT"; return 1
    fi
}

wait_http() { # url pid
    for _ in $(seq 1 300); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; then
            kill -0 "$2" 2>/dev/null && return 0
        fi
        kill -0 "$2" 2>/dev/null || { echo "server exited"; return 1; }
        sleep 0.2
    done
    echo "no answer from $1"; return 1
}

start_tidings() { # dir
    local dir=$1 jfr=()
    port_free "$TIDINGS_PORT"
    [ "${JFR:-0}" = 1 ] && jfr=("-XX:StartFlightRecording=filename=$dir/tidings.jfr,settings=profile,dumponexit=true")
    # shellcheck disable=SC2086
    java ${GC:-$RUN_FLAGS} ${jfr[@]+"${jfr[@]}"} ${SERVER_OPTS:-} \
        -Dquarkus.profile=demo -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$TIDINGS_PORT" \
        -Dquarkus.http.accept-backlog=4096 -Dquarkus.log.category.\"dev.tidings\".level=WARN \
        -jar "${APP:-target/quarkus-app}/quarkus-run.jar" >"$dir/tidings.log" 2>&1 &
    SERVER_PID=$!
    STARTED+=("$SERVER_PID")
    wait_http "http://127.0.0.1:$TIDINGS_PORT/notif/stats" "$SERVER_PID"
    SERVER_PIDS=$SERVER_PID
}

start_nchan() { # dir
    local dir=$1 prefix=$1/nginx
    port_free "$NCHAN_PORT"
    mkdir -p "$prefix/tmp" "$prefix/logs"
    cat >"$prefix/nginx.conf" <<EOF
# A private nginx + Nchan for the benchmark: loopback only, its own prefix, not the system service.
daemon off;
master_process on;
user root;
worker_processes 2;
worker_rlimit_nofile 20000;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
events { worker_connections 20000; multi_accept on; use epoll; }
http {
    access_log off;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    nchan_shared_memory_size 256M;
    server {
        listen 127.0.0.1:$NCHAN_PORT backlog=4096;
        location = /ping { return 200 "ok\n"; }
        location ~ ^/sub/(\w+)\$ {
            nchan_subscriber eventsource;
            nchan_channel_id \$1;
            nchan_subscriber_first_message newest;
        }
        location ~ ^/pub/(\w+)\$ {
            nchan_publisher;
            nchan_channel_id \$1;
        }
    }
}
EOF
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" >"$dir/nginx.out" 2>&1 &
    SERVER_PID=$!
    STARTED+=("$SERVER_PID")
    wait_http "http://127.0.0.1:$NCHAN_PORT/ping" "$SERVER_PID"
    sleep 0.5
    SERVER_PIDS=$(echo "$SERVER_PID" $(pgrep -P "$SERVER_PID") | tr ' ' ',')
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    local keep=()
    for pid in "${STARTED[@]}"; do [ "$pid" != "$SERVER_PID" ] && keep+=("$pid"); done
    STARTED=(${keep[@]+"${keep[@]}"})
}

# ---- Kafka: a private single-node KRaft broker and replicas on the Kafka transport ---------------
KAFKA_PORT=${KAFKA_PORT:-29092}
start_broker() { # dir -> BROKER_PID
    local dir=$1/kafka cp
    port_free "$KAFKA_PORT"; port_free "$((KAFKA_PORT + 1))"
    [ -e target/kafka-broker/classpath.txt ] || mvn -q generate-test-resources
    cp=$(cat target/kafka-broker/classpath.txt)
    rm -rf "$dir"; mkdir -p "$dir"
    {
        echo "process.roles=broker,controller"
        echo "node.id=1"
        echo "controller.quorum.voters=1@127.0.0.1:$((KAFKA_PORT + 1))"
        echo "listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$((KAFKA_PORT + 1))"
        echo "advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT"
        echo "controller.listener.names=CONTROLLER"
        echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
        echo "log.dirs=$dir/data"
        echo "num.partitions=3"
        echo "offsets.topic.replication.factor=1"
        echo "transaction.state.log.replication.factor=1"
        echo "transaction.state.log.min.isr=1"
        echo "share.coordinator.state.topic.replication.factor=1"
        echo "share.coordinator.state.topic.min.isr=1"
    } >"$dir/server.properties"
    java -cp "$cp" kafka.tools.StorageTool format --config "$dir/server.properties" \
        --cluster-id "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" >"$dir/format.log" 2>&1
    java -Xms512m -Xmx1g -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
    BROKER_PID=$!
    STARTED+=("$BROKER_PID")
    for _ in $(seq 1 150); do
        (echo >/dev/tcp/127.0.0.1/"$KAFKA_PORT") 2>/dev/null && return 0
        kill -0 "$BROKER_PID" 2>/dev/null || { echo "broker exited; see $dir/broker.log"; return 1; }
        sleep 0.2
    done
    echo "broker did not open $KAFKA_PORT"; return 1
}

stop_pid() { # pid
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local keep=()
    for pid in "${STARTED[@]}"; do [ "$pid" != "$1" ] && keep+=("$pid"); done
    STARTED=(${keep[@]+"${keep[@]}"})
}

start_replica() { # dir port -> REPLICA_PID
    local dir=$1 port=$2
    port_free "$port"
    # shellcheck disable=SC2086
    java ${GC:-$RUN_FLAGS} ${SERVER_OPTS:-} \
        -Dquarkus.profile=demo -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.http.accept-backlog=4096 -Dquarkus.log.category.\"dev.tidings\".level=WARN \
        -Dtidings.transport=kafka -Dkafka.bootstrap.servers=127.0.0.1:"$KAFKA_PORT" \
        -jar "${APP:-target/quarkus-app}/quarkus-run.jar" >"$dir/replica-$port.log" 2>&1 &
    REPLICA_PID=$!
    STARTED+=("$REPLICA_PID")
    wait_http "http://127.0.0.1:$port/q/health/ready" "$REPLICA_PID"
}

# Kafka mode: two replicas, clients split between them, notifies alternating between them.
kafka_scenario() { # name clients keys phases...
    local name=$1 clients=$2 keys=$3; shift 3
    local dir=$OUT/$name phases=() p2=$((TIDINGS_PORT + 2)) r1 r2 gen
    rm -rf "$dir"; mkdir -p "$dir"
    for p in "$@"; do phases+=(--phase "$p"); done
    echo "=== $name: $clients clients over 2 replicas on Kafka, $keys keys, feed type, phases $* ==="
    start_broker "$dir"
    start_replica "$dir" "$TIDINGS_PORT"; r1=$REPLICA_PID
    start_replica "$dir" "$p2"; r2=$REPLICA_PID
    SERVER_PID=$r1; SERVER_PIDS="$r1,$r2"
    java -Xms256m -Xmx2g -XX:+UseParallelGC ${GEN_OPTS:-} -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen \
        --target tidings --ports "$TIDINGS_PORT,$p2" --server-pids "$SERVER_PIDS" --out "$dir/tidings.properties" \
        --clients "$clients" --keys "$keys" --tabs 1 --type feed --sources "$(sources_for "$clients")" \
        --label "$name" --warmup "${WARMUP:-$DEF_W}" "${phases[@]}" &
    gen=$!; STARTED+=("$gen"); wait "$gen"
    stop_pid "$r1"; stop_pid "$r2"; stop_pid "$BROKER_PID"
    sleep 3
    java -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen compare "$name" "$dir/tidings.properties" \
        "$OUT/simple/nchan.properties" "$OUT/simple/tidings.properties" | tee "$dir/report.md"
}

# Failover storm: two replicas on Kafka; the load generator kills replica 1 (kill -9) and moves its
# clients to replica 2 with their cursors.
failover_scenario() { # clients keys
    local dir=$OUT/failover clients=$1 keys=$2 p2=$((TIDINGS_PORT + 2)) r1 r2 gen
    rm -rf "$dir"; mkdir -p "$dir"
    echo "=== failover: $clients clients over 2 replicas on Kafka, $keys keys, replica 1 killed with kill -9 ==="
    start_broker "$dir"
    start_replica "$dir" "$TIDINGS_PORT"; r1=$REPLICA_PID
    start_replica "$dir" "$p2"; r2=$REPLICA_PID
    java -Xms256m -Xmx2g -XX:+UseParallelGC ${GEN_OPTS:-} -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen failover \
        --ports "$TIDINGS_PORT,$p2" --kill-pid "$r1" --survivor-pid "$r2" --clients "$clients" --keys "$keys" \
        --rate "${RATE:-200}" --warmup "${WARMUP:-$DEF_W}" --calm "${CALM:-10}" --after "${AFTER:-10}" \
        --jitter "${JITTER:-1000-3000}" --cursor "$([ "${CURSOR:-1}" = 0 ] && echo false || echo true)" --sources "$(sources_for "$clients")" \
        --out "$dir/tidings.properties" --report "$dir/report.md" &
    gen=$!; STARTED+=("$gen"); wait "$gen" || true
    stop_pid "$r1"; stop_pid "$r2"; stop_pid "$BROKER_PID"
    cat "$dir/report.md"
}

# Drop: one replica on Kafka with no listeners; records written while it is stopped (SIGSTOP),
# then timed while it reads and drops them (SIGCONT).
drop_scenario() { # records keys
    local dir=$OUT/drop records=$1 keys=$2 r1 gen
    rm -rf "$dir"; mkdir -p "$dir"
    echo "=== drop: $records records for $keys keys nobody listens on, one replica on Kafka ==="
    start_broker "$dir"
    start_replica "$dir" "$TIDINGS_PORT"; r1=$REPLICA_PID
    java -Xms256m -Xmx1g ${GEN_OPTS:-} -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen drop --bootstrap 127.0.0.1:"$KAFKA_PORT" \
        --topic tidings.feed --records "$records" --keys "$keys" --port "$TIDINGS_PORT" --pid "$r1" \
        --out "$dir/tidings.properties" &
    gen=$!; STARTED+=("$gen"); wait "$gen" || true
    kill -CONT "$r1" 2>/dev/null || true
    stop_pid "$r1"; stop_pid "$BROKER_PID"
    {
        echo "### drop (one replica on Kafka, $records records for $keys keys nobody listens on)"
        echo
        echo "| figure | value |"
        echo "|---|---:|"
        sed 's/^\([^=]*\)=\(.*\)$/| \1 | \2 |/' "$dir/tidings.properties"
        echo
        awk -F= '$1=="recordsPerSec" { printf "Targets:\n\n- %s: ≥ 1,000,000 records/s read and dropped — %s records/s\n\n", ($2 >= 1000000 ? "MET" : "MISSED"), $2 }' "$dir/tidings.properties"
    } | tee "$dir/report.md"
}

# ---- one side of one scenario -------------------------------------------------------------------
loadgen() { # target scenario-dir args...
    local target=$1 dir=$2; shift 2
    local jvm=()
    [ "$target" = tidings ] && jvm=(--jvm-pid "$SERVER_PID")
    java -Xms256m -Xmx2g -XX:+UseParallelGC ${GEN_OPTS:-} -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen \
        --target "$target" --port "$([ "$target" = tidings ] && echo "$TIDINGS_PORT" || echo "$NCHAN_PORT")" \
        --server-pids "$SERVER_PIDS" ${jvm[@]+"${jvm[@]}"} --out "$dir/$target.properties" "$@" &
    local gen=$!
    STARTED+=("$gen")
    wait "$gen"
}

sources_for() { # clients
    if [ "$1" -gt 5000 ]; then echo 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5; else echo 127.0.0.2; fi
}

scenario() { # name clients keys tabs type phases...
    local name=$1 clients=$2 keys=$3 tabs=$4 type=$5; shift 5
    local dir=$OUT/$name phases=()
    if [ -z "${ONLY:-}" ]; then rm -rf "$dir"; fi
    mkdir -p "$dir"
    for p in "$@"; do phases+=(--phase "$p"); done
    local args=(--clients "$clients" --keys "$keys" --tabs "$tabs" --type "$type" --sources "$(sources_for "$clients")"
        --label "$name" --warmup "${WARMUP:-$DEF_W}" "${phases[@]}")
    echo "=== $name: $clients clients, $keys keys, type $type, $tabs tab(s) per identity, phases $* ==="
    if [ "${ONLY:-}" != nchan ]; then
        start_tidings "$dir"
        loadgen tidings "$dir" "${args[@]}"
        stop_server
        sleep 3
    fi
    if [ "${ONLY:-}" != tidings ]; then
        start_nchan "$dir"
        loadgen nchan "$dir" "${args[@]}"
        stop_server
        sleep 3
    fi
    [ -e "$dir/tidings.properties" ] || : >"$dir/tidings.properties"
    java -cp "$LOADGEN_CP" dev.tidings.bench.LoadGen compare "$name" "$dir/tidings.properties" "$dir/nchan.properties" \
        | tee "$dir/report.md"
}

SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(capacity simple chat kafka drop)
if [ "${SMALL:-0}" = 1 ]; then DEF_N=1500; DEF_S=8; DEF_W=8; CAP_N=2000; else DEF_N=10000; DEF_S=20; DEF_W=15; CAP_N=19000; fi
N=${CLIENTS:-$DEF_N}; K=${KEYS:-100}; S=${DURATION:-$DEF_S}
{
    echo "# Benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} >"$OUT/report.md.new"
for s in "${SCENARIOS[@]}"; do
    case "$s" in
        capacity) scenario capacity "${CLIENTS:-$CAP_N}" "$K" 1 feed "rate:100:10" ;;
        simple)   scenario simple "$N" "$K" 1 feed "rate:200:$S" "max:$S" ;;
        chat)     scenario chat "$N" "$K" "${TABS:-4}" chat "rate:200:$S" "max:$S" ;;
        kafka)    kafka_scenario kafka "$N" "$K" "rate:200:$S" "max:$S" ;;
        drop)     drop_scenario "${RECORDS:-5000000}" "${DROP_KEYS:-10000}" ;;
        failover) failover_scenario "$N" "$K" ;;
        *) echo "unknown scenario $s (capacity, simple, chat, kafka, drop, failover)"; exit 2 ;;
    esac
    cat "$OUT/$s/report.md" >>"$OUT/report.md.new"
done
mv "$OUT/report.md.new" "$OUT/report.md"
echo "report: $OUT/report.md"
