#!/usr/bin/env bash
# Scans every state the lab left from the real OpenClaw gateways and prints the check ids
# claw-doctor reports for each, next to the scenario: a quick read of "does scan name the
# problem" against real data (the lab: ../shared/lab, or wherever OCLAB points).
#
#   OCLAB=/tmp/oclab scripts/lab-scan.sh [VERSION ...]
#
# --now is set to one minute after the newest file of the state, so pending requests are
# judged as they were when the scenario ended.
set -euo pipefail
OCLAB="${OCLAB:-/tmp/oclab}"
BIN="${BIN:-$(dirname "$0")/../target/release/claw-doctor}"
[[ -x "$BIN" ]] || { echo "build first: cargo build --release" >&2; exit 2; }
[[ -d "$OCLAB/state" ]] || { echo "no lab states under $OCLAB/state (run the lab first)" >&2; exit 2; }
versions=("$@"); [[ ${#versions[@]} -gt 0 ]] || mapfile -t versions < <(ls "$OCLAB/state")
for v in "${versions[@]}"; do
  for sd in "$OCLAB/state/$v"/*/; do
    sc=$(basename "$sd")
    newest=$(find "$sd" -type f ! -name '*-shm' -printf '%T@\n' 2>/dev/null | sort -n | tail -1 | cut -d. -f1)
    now=$(date -u -d "@$(( newest + 60 ))" +%Y-%m-%dT%H:%M:%SZ)
    logs=()
    for f in "$OCLAB/captures/$v/$sc"/*.log.jsonl; do [[ -f "$f" ]] && logs+=(--log "$f"); done
    # Variant states (trusted-proxies-none) keep their logs in the scenario's capture (none.log.jsonl).
    if [[ ${#logs[@]} -eq 0 && "$sc" == trusted-proxies-* ]]; then
      f="$OCLAB/captures/$v/trusted-proxies/${sc#trusted-proxies-}.log.jsonl"
      [[ -f "$f" ]] && logs+=(--log "$f")
    fi
    [[ ${#logs[@]} -gt 0 ]] || logs=(--no-logs)
    # Exit 1 means findings; only 2 is a failure.
    rc=0; doc=$("$BIN" scan --state-dir "$sd" "${logs[@]}" --now "$now" --format json 2>/dev/null) || rc=$?
    if [[ $rc -le 1 ]]; then
      ids=$(jq -r '[.findings[] | "\(.checkId)(\(.severity[0:1]))"] | unique | join(" ")' <<<"$doc")
    else
      ids="(scan failed: exit $rc)"
    fi
    printf '%-10s %-46s %s\n' "$v" "$sc" "${ids:-(nothing)}"
  done
done
