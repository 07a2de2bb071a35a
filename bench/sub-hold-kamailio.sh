#!/usr/bin/env bash
# The reference point of bench/sub-hold.sh: N subscriptions held by Kamailio's presence module (memory
# only, one worker), same scenario (Expires 3600), memory from Kamailio's shared-memory statistics
# (`kamcmd core.shmmem`: used bytes before and after) and the summed PSS of its processes.
#   bench/sub-hold-kamailio.sh [N=100000] [rate=1500]
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${REF:-$REPO/../shared/reference/kamailio-bench}
N=${1:-100000}; RATE=${2:-1500}
export TMPDIR=${SUB_TMPDIR:-${TMPDIR:-/tmp}/beckon-sub-bench}
export BENCH=$REF RUN=$TMPDIR/kamailio-bench/run-hold
export SIP_PORT=${SUB_KAM_PORT:-5072}
source "$REF/lib.sh"
W=$TMPDIR/hold-kamailio; rm -rf "$W"; mkdir -p "$W/sipp" "$RUN"
awk -v n="$N" 'BEGIN{print "SEQUENTIAL"; for(i=0;i<n;i++) printf "u%07d;secret\n", i}' >"$W/users.csv"
sed 's/^\( *\)Expires: 600/\1Expires: 3600/' "$REF/sipp/subscribe.xml" >"$W/sipp/subscribe-3600.xml"
sed "s/127\.0\.0\.1:5070/127.0.0.1:$SIP_PORT/g" "$REF/kamailio/kamailio-bench.cfg" >"$RUN/kamailio-bench-$SIP_PORT.cfg"
KAM_CFG=$RUN/kamailio-bench-$SIP_PORT.cfg
rm -rf "$RUN/dbtext"; mkdir -p "$RUN/dbtext"; cp /usr/share/kamailio/dbtext/kamailio/* "$RUN/dbtext/"
trap 'kam_stop' EXIT
kam_start WITH_PRESENCE BENCH_CHILDREN=1 BENCH_MAXBUFFER=4194304 || exit 1
shm() { kamcmd -s "unix:$RUN/kamailio_ctl" core.shmmem 2>/dev/null | awk '$1=="used:"{print $2}'; }
pss() { # summed PSS (bytes) of kamailio's process tree
  local p t=0 v
  for p in $(ps -e -o pid=,ppid= | awk -v r="$KAM_PID" '$2==r{print $1}') "$KAM_PID"; do
    v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) && t=$((t + v * 1024))
  done; echo "$t"
}
S0=$(shm); P0=$(pss)
( cd "$W/sipp" && exec sipp "127.0.0.1:$SIP_PORT" -sf "$W/sipp/subscribe-3600.xml" -inf "$W/users.csv" -t u1 \
    -i 127.0.0.1 -p "${SIPP_PORT:-5096}" -r "$RATE" -rp 1000 -m "$N" -l 20000 -timeout "$((N / RATE + 120))s" \
    -nostdin -buff_size 4194304 -trace_stat -fd 5 ) >"$W/sipp.out" 2>&1
RC=$?; sleep 2
S1=$(shm); P1=$(pss); AW=$(kam_stat active_watchers)
echo "kamailio: sipp_rc=$RC active_watchers=$AW shm_used_before=$S0 shm_used_after=$S1 pss_before=$P0 pss_after=$P1" \
  "per_sub: shm=$(( (S1 - S0) / N ))B pss=$(( (P1 - P0) / N ))B"
