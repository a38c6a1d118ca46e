#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine, then runs every
# test: formatting, lints, the Rust unit and integration tests, a quick pass of
# the benchmarks, the interface's unit tests, the app end to end under Xvfb,
# and each fuzz target for a short while.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install the Rust toolchain (rustup) first" >&2
    exit 1
fi
# A C compiler (bundled SQLCipher, ring), OpenSSL's headers (SQLCipher's
# cipher), WebKitGTK (the app), and for the
# end-to-end tests Xvfb, WebKitWebDriver and ImageMagick.
source scripts/packages.sh
install_packages build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev librsvg2-dev xvfb xauth webkit2gtk-driver imagemagick
rustup component add rustfmt clippy >/dev/null 2>&1 || true
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --version '^2' --locked

# The interface first: the app embeds ui/dist when it is compiled.
(cd ui && npm install --no-audit --no-fund && npm run build && npm test)

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --all-targets --locked
cargo build --locked -p outpost -p outpost-hub -p outpost-app --bins
# A screen large enough for the desktop layout (the window opens at tablet size).
xvfb-run -a -s "-screen 0 1920x1080x24" npm --prefix ui run e2e
# Every fuzz target for a short while from its committed corpus (longer runs:
# scripts/fuzz.sh SECONDS).
bash scripts/fuzz.sh "${OUTPOST_FUZZ_SECONDS:-30}"
