#!/usr/bin/env bash
# Fuzzes the emulator's parsers and decoders and the harness's scenario loader with AFL++
# (cargo-afl, stable toolchain). See fuzz/README.md for the targets and their input formats.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   run each target SECONDS (default 30), one at a time
#   scripts/fuzz.sh replay TARGET FILE...   run inputs through a target (crash reproduction)
#   scripts/fuzz.sh cmin [TARGET...]        minimise fuzz/corpus/TARGET + the last run's queue
#   scripts/fuzz.sh list                    the target names
#
# Installs what it needs itself (cargo-afl from crates.io, which builds AFL++ from the source
# it ships). Before fuzzing, every seed of a target is replayed: a seed that crashes fails the
# run. Exit status: 0 when no target crashed, 1 when one did, 2 on a usage or setup error.
#
# Crash inputs are left in $FUZZ_OUT/crashes/TARGET/ (default fuzz/out/crashes/TARGET/) and
# printed with the panic message they produce; AFL's own output is in $FUZZ_OUT/afl/TARGET/.
#
# Environment:
#   FUZZ_TARGET_DIR   instrumented build (default ~/.cache/orderlab-fuzz-target)
#   FUZZ_OUT          where results go (default fuzz/out)
#   FUZZ_TIMEOUT_MS   an input running longer is a hang (default 5000)
#   FUZZ_FAIL_ON_HANGS=1  hangs fail the run too (default: reported only)
#   AFL_OPT_LEVEL     -C opt-level of the instrumented build (default 0: the recursion depth
#                     at which a stack overflows is then that of the debug build `orderlab
#                     emulate` runs, e.g. 250 parentheses in a condition; 1 runs ~2x faster)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ALL_TARGETS=(dynamodb_expression asl_definition sfn_paths event_pattern
  protocol_json protocol_rest protocol_query scenario)
CARGO_AFL_VERSION=0.18.2

export FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/orderlab-fuzz-target}"
FUZZ_OUT="${FUZZ_OUT:-$ROOT/fuzz/out}"
FUZZ_TIMEOUT_MS="${FUZZ_TIMEOUT_MS:-5000}"
export AFL_OPT_LEVEL="${AFL_OPT_LEVEL:-0}"
export CARGO_TERM_COLOR=never

# AFL++ in CI: no terminal UI, no CPU-frequency or core_pattern checks (we cannot change
# either in a container), no CPU pinning (the machine is shared), quick calibration.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_NO_WARN_INSTABILITY=1

die() { echo "fuzz.sh: $*" >&2; exit 2; }
step() { printf '\n==> %s\n' "$*"; }

is_target() {
  local t
  for t in "${ALL_TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done
  return 1
}

# cargo-afl (pinned) and the AFL++ it builds for this rustc.
install_tools() {
  if ! cargo afl --version 2>/dev/null | grep -q "$CARGO_AFL_VERSION"; then
    step "installing cargo-afl $CARGO_AFL_VERSION (builds AFL++)"
    cargo install cargo-afl --version "$CARGO_AFL_VERSION" --locked --force
  fi
  local out
  if ! out=$(cargo afl config --build 2>&1); then
    grep -q "already built" <<<"$out" || { echo "$out" >&2; die "cannot build AFL++"; }
  fi
}

# Builds the instrumented binaries of the given targets; the scenario target needs the
# harness crate (feature `scenario`).
build() {
  local args=() features=() t
  for t in "$@"; do
    args+=(--bin "$t")
    [[ $t == scenario ]] && features=(--features scenario)
  done
  step "building ${*} (instrumented, opt-level $AFL_OPT_LEVEL)"
  (cd fuzz && CARGO_TARGET_DIR="$FUZZ_TARGET_DIR" cargo afl build "${features[@]}" "${args[@]}")
}

binary() { echo "$FUZZ_TARGET_DIR/debug/$1"; }

# Runs FILE through TARGET outside AFL (stdin mode); prints the first lines of a crash.
replay_one() {
  local target=$1 file=$2 status=0 log
  log=$(timeout 60 "$(binary "$target")" <"$file" 2>&1 >/dev/null) || status=$?
  if ((status != 0)); then
    echo "  CRASH (exit $status): $file"
    printf '    input: %s\n' "$(head -c 160 "$file" | tr '\n\t' '  ' | LC_ALL=C tr -c '[:print:]' '?')"
    { grep -m1 -A1 "panicked at" <<<"$log" || grep -m2 -E "overflowed|fatal runtime|Abort|SIG" <<<"$log" \
      || tail -2 <<<"$log"; } | sed 's/^/    /' || true
    return 1
  fi
}

replay_dir() {
  local target=$1 dir=$2 failed=0 file
  for file in "$dir"/*; do
    [[ -f $file && $(basename "$file") != README.txt ]] || continue
    replay_one "$target" "$file" || failed=1
  done
  return $failed
}

stat_of() { sed -n "s/^$2 *: *//p" "$1" | head -1; }

# Fuzzes TARGET for SECONDS; returns 1 when it found a crash (or hang with FUZZ_FAIL_ON_HANGS).
fuzz_one() {
  local target=$1 seconds=$2
  local seeds="$ROOT/fuzz/corpus/$target" afl_out="$FUZZ_OUT/afl/$target"
  local crashes="$FUZZ_OUT/crashes/$target" dict="$ROOT/fuzz/dict/$target.dict"
  step "$target: replaying $(find "$seeds" -type f | wc -l) seeds"
  replay_dir "$target" "$seeds" || { echo "  a seed crashes: fix it before fuzzing"; return 1; }
  step "$target: fuzzing for ${seconds}s"
  rm -rf "$afl_out" "$crashes"
  mkdir -p "$afl_out" "$crashes"
  local dict_args=()
  [[ -f $dict ]] && dict_args=(-x "$dict")
  if ! cargo afl fuzz -i "$seeds" -o "$afl_out" -V "$seconds" -t "$FUZZ_TIMEOUT_MS" \
    "${dict_args[@]}" -- "$(binary "$target")" >"$afl_out.log" 2>&1; then
    tail -30 "$afl_out.log"
    echo "  afl-fuzz failed (log: $afl_out.log)"
    return 1
  fi
  local stats="$afl_out/default/fuzzer_stats"
  printf '  execs %s (%s/s), corpus %s, stability %s, crashes %s, hangs %s\n' \
    "$(stat_of "$stats" execs_done)" "$(stat_of "$stats" execs_per_sec)" \
    "$(stat_of "$stats" corpus_count)" "$(stat_of "$stats" stability)" \
    "$(stat_of "$stats" saved_crashes)" "$(stat_of "$stats" saved_hangs)"
  local result=0 file
  for file in "$afl_out"/default/crashes/id:*; do
    [[ -f $file ]] || continue
    cp "$file" "$crashes/"
    replay_one "$target" "$file" || true
    result=1
  done
  for file in "$afl_out"/default/hangs/id:*; do
    [[ -f $file ]] || continue
    echo "  HANG (> ${FUZZ_TIMEOUT_MS} ms): $file"
    [[ ${FUZZ_FAIL_ON_HANGS:-0} == 1 ]] && result=1
  done
  ((result == 0)) || echo "  crash inputs: $crashes"
  return $result
}

cmd_fuzz() {
  local seconds=$1
  shift
  local targets=("$@") t failed=()
  ((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")
  for t in "${targets[@]}"; do is_target "$t" || die "unknown target: $t"; done
  install_tools
  build "${targets[@]}"
  for t in "${targets[@]}"; do
    fuzz_one "$t" "$seconds" || failed+=("$t")
  done
  step "summary"
  if ((${#failed[@]})); then
    echo "crashed: ${failed[*]} (inputs under $FUZZ_OUT/crashes/)"
    exit 1
  fi
  echo "${#targets[@]} targets, ${seconds}s each: no crash"
}

cmd_replay() {
  local target=${1:-}
  shift || true
  is_target "$target" || die "usage: scripts/fuzz.sh replay TARGET FILE|DIR..."
  install_tools
  build "$target"
  local failed=0 path
  for path in "$@"; do
    if [[ -d $path ]]; then replay_dir "$target" "$path" || failed=1; else replay_one "$target" "$path" || failed=1; fi
  done
  exit $failed
}

# Minimises fuzz/corpus/TARGET together with the queue of the last run (so a long run's
# discoveries become seeds), keeping inputs that add coverage and do not crash or hang.
cmd_cmin() {
  local targets=("$@") t
  ((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")
  install_tools
  build "${targets[@]}"
  for t in "${targets[@]}"; do
    local seeds="$ROOT/fuzz/corpus/$t" queue="$FUZZ_OUT/afl/$t/default/queue" tmp
    tmp=$(mktemp -d)
    mkdir "$tmp/all"
    cp "$seeds"/* "$tmp/all/"
    if [[ -d $queue ]]; then
      local f
      for f in "$queue"/id:*; do [[ -f $f ]] && cp "$f" "$tmp/all/q-$(sha1sum "$f" | cut -c1-16)"; done
    fi
    AFL_SKIP_CRASHES=1 cargo afl cmin -e -i "$tmp/all" -o "$tmp/min" -t "$FUZZ_TIMEOUT_MS" -- "$(binary "$t")" >"$tmp/log" 2>&1 \
      || { tail -20 "$tmp/log"; die "afl-cmin failed for $t"; }
    rm -rf "$seeds" && mkdir -p "$seeds"
    local f
    for f in "$tmp/min"/*; do cp "$f" "$seeds/$(sha1sum "$f" | cut -c1-16)"; done
    rm -rf "$tmp"
    echo "$t: $(find "$seeds" -type f | wc -l) seeds, $(du -sb "$seeds" | cut -f1) bytes"
  done
  # The deep-* seeds add depth, not coverage: afl-cmin drops them; put them back.
  python3 fuzz/make_corpus.py --only-deep
}

case "${1:-}" in
  list) printf '%s\n' "${ALL_TARGETS[@]}" ;;
  replay) shift; cmd_replay "$@" ;;
  cmin) shift; cmd_cmin "$@" ;;
  '' ) cmd_fuzz 30 ;;
  *[!0-9]*) is_target "$1" && cmd_fuzz 30 "$@" || die "usage: scripts/fuzz.sh [SECONDS] [TARGET...] | replay | cmin | list" ;;
  *) seconds=$1; shift; cmd_fuzz "$seconds" "$@" ;;
esac
