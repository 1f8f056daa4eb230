#!/usr/bin/env bash
# Sets up everything Switchboard needs on Debian/Ubuntu, builds the release app and opens it.
# On a machine without a display it runs in a virtual one and saves a screenshot.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_toolchains
ensure_debian_packages "${APP_PACKAGES[@]}"
build_ui
step "Building Switchboard (release)"
cargo build --release --workspace
app="$ROOT/target/release/switchboard-desktop"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  step "Starting Switchboard"
  exec "$app"
fi

ensure_debian_packages xvfb xauth imagemagick dbus
mkdir -p "$ROOT/artifacts"
step "No display found: running Switchboard in a virtual display (Ctrl-C to stop)"
echo "A screenshot is saved to artifacts/app.png after start."
NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  printf "switchboard" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  "$1" & app=$!
  sleep 4 && import -window root "$2" && echo "Screenshot: $2"
  wait $app' _ "$app" "$ROOT/artifacts/app.png"
