# Shared by scripts/run-app.sh and scripts/test.sh: idempotent setup of everything Switchboard
# needs on Debian or Ubuntu. Safe to run any number of times; installs only what is missing.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# Debian packages to build and run the desktop app (Tauri's WebKitGTK, cpal's ALSA, keyring's D-Bus,
# the tray's AppIndicator).
APP_PACKAGES=(build-essential pkg-config curl libwebkit2gtk-4.1-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libgtk-3-dev libasound2-dev libdbus-1-dev
  gnome-keyring dbus-x11 libayatana-appindicator3-1)
# Extra packages for the tests: a virtual display, WebKit's WebDriver, a headless keychain,
# Chromium for Playwright, ImageMagick for window screenshots; PipeWire with a null sink for
# real audio streams (scripts/with-audio.sh), espeak-ng, lame and sox to make sound fixtures;
# kamailio (registrar) and baresip (far end) as SIP peers in a private network namespace.
TEST_PACKAGES=(xvfb xauth imagemagick webkit2gtk-driver dbus libsecret-tools chromium
  at-spi2-core x11-utils
  pipewire pipewire-pulse wireplumber pulseaudio-utils pipewire-alsa espeak-ng lame sox
  kamailio baresip iproute2)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install sudo or run as root)"; fi
}

ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]}; this script installs them on Debian/Ubuntu only (see README for macOS and Windows)"
  step "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed: install it with rustup (https://rustup.rs), then run this again"
  command -v node >/dev/null || die "Node.js 20.19 or newer is needed (https://nodejs.org); not found"
  local node_version; node_version="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js 20.19 or newer is needed; found $node_version"
}

# npm ci when the lock file changed since the last install (or nothing is installed).
ensure_npm() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.switchboard-lock"; then
    step "Installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.switchboard-lock"
  fi
}

# A virtualenv with the Python packages the tests compare against (Twilio's helper library).
ensure_python_venv() {
  local dir="$ROOT/tests/harness/venv" req="$ROOT/tests/harness/requirements.txt"
  if [ ! -x "$dir/bin/python" ] || ! cmp -s "$req" "$dir/.switchboard-requirements"; then
    step "Installing Python test packages"
    python3 -m venv "$dir" 2>/dev/null || { ensure_debian_packages python3-venv; python3 -m venv "$dir"; }
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$dir/.switchboard-requirements"
  fi
}

ensure_cargo_tool() {
  local bin="$1" crate="$2" version="$3"
  shift 3
  command -v "$bin" >/dev/null && return 0
  step "Installing $crate $version"
  cargo install --locked "$crate" --version "$version" "$@"
}

build_ui() {
  ensure_npm "$ROOT/ui"
  step "Building the UI"
  (cd "$ROOT/ui" && npm run --silent build)
}

# Runs "$@" inside a private D-Bus session with a throwaway, unlocked GNOME Keyring, so the
# keychain (Secret Service) works on a headless machine and tests never touch the user's own.
with_keychain() {
  local keyrings status=0; keyrings="$(mktemp -d)"
  XDG_DATA_HOME="$keyrings" dbus-run-session -- bash -c '
    printf "switchboard" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    for _ in $(seq 1 50); do [ -e "$XDG_DATA_HOME/keyrings/login.keyring" ] && break; sleep 0.1; done
    "$@"' _ "$@" || status=$?
  rm -rf "$keyrings"
  return $status
}
