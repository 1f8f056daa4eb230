#!/usr/bin/env bash
# Measures the voicemail inbox against its targets on a PipeWire null sink (release build):
#   - playback of a cached voicemail, from the play command to the first sample going out
#     (target: under 50 ms);
#   - the first page of an inbox of 100,000 voicemails through the core (target: under 100 ms).
# Usage: scripts/bench-playback.sh   (SWITCHBOARD_BENCH_SCALE=0.1 for a quick look)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_debian_packages pipewire pipewire-pulse wireplumber pulseaudio-utils pipewire-alsa espeak-ng lame dbus
dbus-run-session -- "$ROOT/scripts/with-audio.sh" cargo bench --workspace --bench playback
