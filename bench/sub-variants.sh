#!/usr/bin/env bash
# CPU cost of Beckon's SUBSCRIBE path by server variant (persistence on/off, group-commit delay), same
# SIPp load (the reference's sipp/subscribe.xml over UDP) for each, a fresh server per variant, through the
# reference's bench-target.sh (server CPU ms per 1,000 successful subscriptions, host load per step).
#   bench/sub-variants.sh <duration_s> <rate> [variant ...]
#   variants are server flag sets separated by ','  e.g. 'default' '--commit-delay,2' '--no-store'
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${REF:-$REPO/../shared/reference/kamailio-bench}
DUR=${1:?duration}; RATE=${2:?rate}; shift 2
VARIANTS=("$@"); [ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(default --commit-delay,2 --no-store)
export TMPDIR=${SUB_TMPDIR:-${TMPDIR:-/tmp}/beckon-sub-bench}
export SIP_PORT=${BECKON_PORT:-5085} SIPP_PORT=${SIPP_PORT:-5095}
W=$TMPDIR/variants; mkdir -p "$W"
TAG=${TAG:-sub-variants-$(date +%H%M%S)}
for V in "${VARIANTS[@]}"; do
  ARGS=(); [ "$V" = default ] || IFS=',' read -r -a ARGS <<<"$V"
  rm -rf "$W/data"
  ( cd "$REPO" && exec node --import tsx bench/servers/subscribe-server.ts --host 127.0.0.1 --port "$SIP_PORT" \
      --data-dir "$W/data" "${ARGS[@]}" ) >"$W/server.out" 2>"$W/server.err" &
  SPID=$!
  for _ in $(seq 1 100); do grep -q '^ready' "$W/server.out" && break; sleep 0.1; done
  echo "variant: $V (pid $SPID)"
  TARGET_PID=$SPID TAG="$TAG/${V//[^a-z0-9-]/_}" "$REF/bench-target.sh" udp sub "$DUR" "$RATE" 2>&1 | grep -E '^label|ok_per_s' | tail -1
  kill -TERM "$SPID"; wait "$SPID" 2>/dev/null
done
