#!/usr/bin/env bash
# Soak test: starts a fresh `orderlab emulate` (the debug build, as `cargo run -- emulate` runs
# it) on a free loopback port and drives it for SECONDS with fuzz/soak's bounded loop of random
# and mutated AWS requests (seeded: SEED), then stops it with SIGINT. Fails on a crash, a
# connection error or time-out, a 5xx other than InternalFailure, or a failed health check.
# Prints request counts by status, the ListTables p99 during the run, the emulator's max RSS
# and its stop time. Failing requests are saved under fuzz/out/soak/.
#
#   scripts/soak.sh [SECONDS] [SEED] [orderlab-soak flags, e.g. --workers 8 --no-attacks]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orderlab-target}"
seconds=${1:-60}
seed=${2:-1}
shift $(($# < 2 ? $# : 2))
# The whole workspace, so the AWS SDK crates keep the one feature set `cargo test --workspace` built.
cargo build --quiet --workspace
cargo build --quiet --manifest-path fuzz/Cargo.toml -p orderlab-soak
rm -rf fuzz/out/soak
exec "$CARGO_TARGET_DIR/debug/orderlab-soak" --spawn "$CARGO_TARGET_DIR/debug/orderlab" \
  --seconds "$seconds" --seed "$seed" --out fuzz/out/soak "$@"
