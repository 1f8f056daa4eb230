#!/usr/bin/env bash
# Runs "$@" with a private PipeWire sound server whose default output is a null sink (named
# `switchboard_null`, 48 kHz stereo, real-time clock) and whose default input is that sink's
# monitor, so cpal and rodio open real streams on a machine without a sound card, and tests can
# record what was played. Everything started here stops when "$@" ends.
set -euo pipefail

runtime="$(mktemp -d)"
export XDG_RUNTIME_DIR="$runtime"
export PIPEWIRE_RUNTIME_DIR="$runtime"
export PULSE_RUNTIME_PATH="$runtime/pulse"
export PULSE_SERVER="unix:$runtime/pulse/native"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$runtime"
}
trap cleanup EXIT

log="${SWITCHBOARD_AUDIO_LOG:-$runtime/audio.log}"
pipewire >>"$log" 2>&1 & pids+=($!)
sleep 0.3
wireplumber >>"$log" 2>&1 & pids+=($!)
pipewire-pulse >>"$log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null 2>&1 || { cat "$log" >&2; echo "error: the PipeWire sound server did not start" >&2; exit 1; }
# pipewire-pulse answers `info` a moment before it can load modules ("Not supported"): retry.
for try in $(seq 1 50); do
  pactl load-module module-null-sink sink_name=switchboard_null rate=48000 channels=2 \
    sink_properties=device.description=Switchboard-Null >/dev/null 2>>"$log" && break
  [ "$try" -eq 50 ] && { cat "$log" >&2; echo "error: the null sink could not be made" >&2; exit 1; }
  sleep 0.1
done
for _ in $(seq 1 50); do pactl list short sinks | grep -q switchboard_null && break; sleep 0.1; done
pactl set-default-sink switchboard_null
pactl set-default-source switchboard_null.monitor
export SWITCHBOARD_TEST_SINK=switchboard_null
"$@"
