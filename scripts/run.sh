#!/usr/bin/env bash
# Builds Outpost and starts the field app on a local store (default
# ./outpost-data, or $OUTPOST_DATA). The app asks for a PIN at start (the
# first start sets it). With OUTPOST_PASSPHRASE set, a first run fills the
# store with example reports under that PIN so there is something to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/packages.sh
install_packages build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev librsvg2-dev xvfb xauth
(cd ui && npm install --no-audit --no-fund && npm run build)
cargo build --release --locked -p outpost -p outpost-app --bins

export OUTPOST_DATA="${OUTPOST_DATA:-$PWD/outpost-data}"
if [ -n "${OUTPOST_PASSPHRASE:-}" ] && [ "$(./target/release/outpost report list --json)" = "[]" ]; then
    ./target/release/outpost demo
fi
echo "Outpost: data in $OUTPOST_DATA"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec ./target/release/outpost-app
else
    echo "No display: running the app on a virtual screen (Xvfb)." >&2
    exec xvfb-run -a -s "-screen 0 1280x800x24" ./target/release/outpost-app
fi
