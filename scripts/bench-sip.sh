#!/usr/bin/env bash
# The native SIP engine's benchmark: a G.711 call of SECONDS (default 600, the 10-minute call of
# the target) between the release build's CLI on the sound devices and baresip, through
# kamailio, all inside a private network namespace with a private PipeWire null sink. Prints
# the app's CPU (target < 3% of a core), speaker underruns (target 0), loss, concealed frames
# and the MOS estimate (target >= 4.2).
# Usage: scripts/bench-sip.sh [SECONDS] [CLI_BINARY]   (root: it makes a network namespace)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seconds="${1:-600}"
cli="${2:-$ROOT/target/release/switchboard}"
[ -x "$cli" ] || die "$cli is not built (cargo build --release --workspace)"
ensure_debian_packages kamailio baresip iproute2 pipewire pipewire-pulse wireplumber pulseaudio-utils dbus gnome-keyring
with_keychain "$ROOT/scripts/private-net.sh" "$ROOT/scripts/with-audio.sh" node "$ROOT/scripts/bench-sip.mjs" "$cli" "$seconds"
