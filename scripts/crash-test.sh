#!/usr/bin/env bash
# Crash safety over longer runs: runs each kill test RUNS times (default 10). Each run kills the
# CLI with SIGKILL at random points 8 to 12 times, during a sync, an archive-and-delete (with the
# syncs that send its deletions), a retention run or a greeting publish, then checks no row was
# lost or duplicated, no voicemail left Twilio without its verified copy, the cache opens
# without repair and S3 holds nothing the app does not know about. Ten runs are about a hundred
# kills of each. A failure prints the seed that replays it.
#
#   scripts/crash-test.sh [RUNS]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
runs="${1:-10}"
filter='test(killed_at_random_points)'
cargo nextest run --workspace --no-run >/dev/null
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for i in $(seq 1 "$runs"); do
  step "Kill tests, run $i of $runs"
  with_keychain "$ROOT/scripts/with-audio.sh" cargo nextest run --workspace --profile ci -E "$filter" \
    --no-fail-fast --success-output immediate < /dev/null 2>&1 | tee -a "$log" | grep -E 'killed|PASS|FAIL'
  [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
done
# Each test prints "OPERATION: killed K of N runs"; the totals, per operation.
step "$runs runs of the kill tests passed; SIGKILLs per operation:"
sed -nE 's/.*(sync|retention|archive and delete|greeting publish): killed ([0-9]+) of.*/\1 \2/p' "$log" |
  awk '{ n = $NF; $NF = ""; sum[$0] += n } END { for (op in sum) printf "  %-20s %d\n", op, sum[op] }'
