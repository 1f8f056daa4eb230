#!/usr/bin/env bash
# Sets up everything the tests need on Debian/Ubuntu and runs all of them: formatting, lints,
# Rust unit and integration tests (against Prism serving Twilio's spec, with a real keychain, a
# PipeWire null sink for playback and moto's S3 server for the archive),
# the UI's type check and unit tests, Playwright tests of the built UI in Chromium, and the real
# app window under Xvfb driven through tauri-driver. Stops at the first failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

started=$SECONDS
declare -a timings=()
timed() {
  local name="$1"; shift
  local t0=$SECONDS
  step "$name"
  "$@"
  timings+=("$(printf '%-34s %4ss' "$name" $((SECONDS - t0)))")
}

setup() {
  ensure_toolchains
  ensure_debian_packages "${APP_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  ensure_cargo_tool cargo-nextest cargo-nextest 0.9.143
  ensure_cargo_tool tauri-driver tauri-driver "^2"
  ensure_npm "$ROOT/ui"
  ensure_npm "$ROOT/tests/harness"
  ensure_python_venv
}

rust_tests() {
  with_keychain "$ROOT/scripts/with-audio.sh" cargo nextest run --workspace --no-fail-fast --profile ci
}

ui_checks() {
  (cd ui && npm run --silent check && npm run --silent test)
}

routing_functions() {
  node --test tests/routing/
}

playwright() {
  (cd ui && npm run --silent e2e)
}

window_test() {
  [ -x target/debug/switchboard-desktop ] || cargo build --workspace
  mkdir -p artifacts
  NO_AT_BRIDGE=1 SWITCHBOARD_APP="$ROOT/target/debug/switchboard-desktop" \
    with_keychain "$ROOT/scripts/with-audio.sh" xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-concurrency=1 tests/window/
  # The SIP engine's window test talks to real SIP peers, which need an address of their own:
  # it runs in a private network namespace (no route out).
  NO_AT_BRIDGE=1 SWITCHBOARD_APP="$ROOT/target/debug/switchboard-desktop" \
    with_keychain "$ROOT/scripts/private-net.sh" "$ROOT/scripts/with-audio.sh" xvfb-run -a -s "-screen 0 1280x800x24" node --test tests/window/sip-line.netns.mjs
}

timed "Setup" setup
timed "Formatting (rustfmt)" cargo fmt --all -- --check
timed "UI build" build_ui
timed "Lints (clippy -D warnings)" cargo clippy --workspace --all-targets --locked -- -D warnings
timed "UI type check and unit tests" ui_checks
timed "Routing functions (node, twilio)" routing_functions
timed "Rust tests (nextest)" rust_tests
timed "UI in Chromium (Playwright)" playwright
timed "Real window (Xvfb, tauri-driver)" window_test

step "Timings"
printf '  %s\n' "${timings[@]}"
printf '  %-34s %4ss\n' "Total" $((SECONDS - started))
