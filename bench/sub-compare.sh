#!/usr/bin/env bash
# SUBSCRIBE/NOTIFY (Event: presence) side by side: Kamailio presence (memory only) and Beckon's notifier
# (bench/servers/subscribe-server.ts, SQLite persistence on), same SIPp scenario (the reference's
# sipp/subscribe.xml), same rates, one run. Appends a section to bench/RESULTS.md via sip-compare.sh.
#   bench/sub-compare.sh [udp|tcp] <duration_s> <rate...>     e.g. bench/sub-compare.sh udp 10 1000 2000 4000
# Env: as sip-compare.sh (PIN, QUIET_WAIT, QUIET_MAX, ...); SUB_SERVER_ARGS adds server flags (--no-store).
# Isolated from other runs of the reference harness on the same host: its own TMPDIR (runtime files,
# results) and ports (Kamailio SUB_KAM_PORT, default 5071; Beckon BECKON_PORT 5081; SIPp SIPP_PORT 5091).
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${REF:-$REPO/../shared/reference/kamailio-bench}
TR=${1:?udp|tcp}; shift
export TMPDIR=${SUB_TMPDIR:-${TMPDIR:-/tmp}/beckon-sub-bench}
export RUN=$TMPDIR/kamailio-bench/run
mkdir -p "$RUN"
export SIP_PORT=${SUB_KAM_PORT:-5071} SIPP_PORT=${SIPP_PORT:-5091} BECKON_PORT=${BECKON_PORT:-5081}
# The reference configuration listens on 5070; a copy on our own port.
sed "s/127\.0\.0\.1:5070/127.0.0.1:$SIP_PORT/g" "$REF/kamailio/kamailio-bench.cfg" >"$RUN/kamailio-bench-$SIP_PORT.cfg"
export KAM_CFG=$RUN/kamailio-bench-$SIP_PORT.cfg
# sip-compare.sh empties $RUN/beckon-var before each Beckon step.
export BECKON_CMD="node --import tsx bench/servers/subscribe-server.ts --host 127.0.0.1 --port $BECKON_PORT --data-dir $RUN/beckon-var ${SUB_SERVER_ARGS:-}"
exec "$REPO/bench/sip-compare.sh" sub "$TR" "$@"
