#!/usr/bin/env bash
# Runs "$@" in a network namespace of its own: loopback up, and a veth pair addressed
# 10.99.0.1/24 with no route out (baresip advertises its first non-loopback address, so the SIP
# peers need one). Nothing inside can reach another host. Needs root (CI runs as root).
set -euo pipefail
exec unshare --net -- bash -c '
  set -euo pipefail
  ip link set lo up
  ip link add sb0 type veth peer name sb1
  ip addr add 10.99.0.1/24 dev sb0
  ip link set sb0 up
  ip link set sb1 up
  exec "$@"
' _ "$@"
