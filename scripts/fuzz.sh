#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for SECONDS each (default 60),
# starting from its committed corpus (fuzz/corpus/<target>), and fails on any
# crash, hang (an input taking over 10 s) or memory blow-up (over 2 GiB).
# New inputs found go to a temporary directory, not into the repository;
# a failing input is kept in fuzz/artifacts/<target>/ and named in the output.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
EACH=${1:-60}

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzzing needs the nightly Rust toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# Memory-safe code: the fuzzers look for panics, hangs and runaway memory,
# so no sanitizer (which would slow every run several times over).
cargo +nightly fuzz build --sanitizer none
passed=0
failed=0
for target in $(cargo +nightly fuzz list); do
    found=$(mktemp -d)
    log=$(mktemp)
    if cargo +nightly fuzz run --sanitizer none "$target" "$found" "fuzz/corpus/$target" -- \
        -max_total_time="$EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz $target: ${runs} executions in ${EACH} s, no crash"
        passed=$((passed + 1))
    else
        echo "fuzz $target: FAILED" >&2
        tail -n 40 "$log" >&2
        failed=$((failed + 1))
    fi
    rm -rf "$found" "$log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
