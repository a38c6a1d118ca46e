#!/usr/bin/env bash
# Builds Outpost and runs it on a local data directory (default ./outpost-data,
# or $OUTPOST_DATA). Until the field app ships, this runs the command line:
# a first run fills the store with example reports, then lists them.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cc >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends build-essential pkg-config
fi
cargo build --release --locked --bin outpost
export OUTPOST_DATA="${OUTPOST_DATA:-$PWD/outpost-data}"
outpost=./target/release/outpost
if [ "$($outpost report list --json)" = "[]" ]; then
    $outpost demo
fi
$outpost report list
$outpost doctor
echo
echo "Data: $OUTPOST_DATA. Try: $outpost report show <id>, $outpost report template --kind patrol"
