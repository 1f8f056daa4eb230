#!/usr/bin/env bash
# Measures the desktop app against the whole-app targets, under Xvfb:
#   - time from launch until the "Switchboard" window is mapped (target: under 300 ms);
#   - idle memory of the whole process tree, app plus WebKit processes, as PSS (target: under
#     200 MB), 8 s after launch.
# Usage: scripts/bench-window.sh [APP_BINARY] [RUNS]   (default: the release build, 10 runs)
# Needs: xvfb, x11-utils (xwininfo); both installed by scripts/test.sh's setup.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
app="${1:-$ROOT/target/release/switchboard-desktop}"
runs="${2:-10}"
[ -x "$app" ] || die "$app is not built (cargo build --release --workspace)"
[ "${BENCH_INNER:-}" = 1 ] || ensure_debian_packages xvfb xauth x11-utils dbus gnome-keyring

inner() {
  local app="$1" runs="$2" data; data="$(mktemp -d)"
  export SWITCHBOARD_DATA_DIR="$data"
  # Warm the page cache once so every measured run sees the same disk state.
  "$app" & local warm=$!; sleep 3; kill "$warm"; wait "$warm" 2>/dev/null || true
  for i in $(seq 1 "$runs"); do
    local t0 t1 pid
    t0=$(date +%s%N)
    "$app" & pid=$!
    until xwininfo -name Switchboard 2>/dev/null | grep -q 'IsViewable'; do
      kill -0 "$pid" 2>/dev/null || { echo "app exited" >&2; exit 1; }
    done
    t1=$(date +%s%N)
    sleep 8
    local pss=0 p
    for p in $(tree_pids "$pid"); do
      local kb; kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
      pss=$((pss + ${kb:-0}))
    done
    printf 'run %2d: mapped after %4d ms, idle tree PSS %6.1f MB (%s processes)\n' \
      "$i" $(((t1 - t0) / 1000000)) "$(awk -v k="$pss" 'BEGIN {print k / 1024}')" "$(tree_pids "$pid" | wc -w)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  rm -rf "$data"
}

tree_pids() {
  local pid="$1" child
  echo "$pid"
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do tree_pids "$child"; done
}

if [ "${BENCH_INNER:-}" = 1 ]; then inner "$app" "$runs"; exit; fi
BENCH_INNER=1 NO_AT_BRIDGE=1 dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$app" "$runs" \
  | tee /tmp/bench-window.txt
summary() { # column -> "median worst"
  awk -v c="$1" '/mapped after/ {print $c}' /tmp/bench-window.txt | sort -n |
    awk '{v[NR]=$1} END {printf "median %s, worst %s (n=%d)", v[int((NR+1)/2)], v[NR], NR}'
}
echo
echo "window mapped (ms): $(summary 5)"
echo "idle tree PSS (MB): $(summary 10)"
