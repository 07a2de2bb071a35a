#!/usr/bin/env bash
# REGISTER benchmark, issue 3: Kamailio (the reference registrar, usrloc in memory) and Beckon's station
# (SQLite persistence on) in the same run, with the reference's SIPp scenarios (sipp/reg.xml, reg_auth.xml),
# at fixed rates, each step bounded (DUR seconds of load, -m rate*DUR calls, -timeout DUR+30 s).
#
#   bench/registrar-bench.sh [plain|auth|both] [DUR] [rate ...]
#   e.g. bench/registrar-bench.sh both 10 5000 10000 15000 20000
#
# Uses ../shared/reference/kamailio-bench (relative to the repo root): its lib.sh provides kam_start,
# kam_stop and run_sipp (CPU of the server's process tree, SIPp p50/p99, kernel drops). Each step starts a
# fresh server (empty location table; Beckon: a new SQLite file). Summary rows go to
# $RES/$TAG/summary.tsv; `bench/registrar-results.py $RES/$TAG` turns them into the RESULTS.md section.
# Env: KAM_PORT (default 5072), BECKON_PORT (5080), SIPP_PORT (5094), RATES_AUTH (rates for the auth mode, default: the given rates halved), QUIET_WAIT (s to wait for an
# idle host before a step, default 15: this machine is shared), KAM_CHILDREN (Kamailio workers, default 2),
# KAM_MAXBUFFER (Kamailio's UDP receive buffer, default 4194304 as Beckon's),
# BK_SEMI_SPACE_MB (V8 young generation for the station, default 32 as the station sets it: against V8's 16
# it cuts GC cost per REGISTER by ~1/3; 64 made each scavenge pause twice as long for the same total),
# BK_OLD_SPACE_MB (V8 --initial-old-space-size for the station, default 512, 0: V8's default; the location
# cache then grows to a few hundred thousand bindings without a major collection, whose marking and sweeping
# on two busy cores held the event loop at full load for up to 0.5 s; see README, high registration rates),
# BK_SINGLE_THREADED_GC (default 1: the station runs with V8's --single-threaded-gc, which on this two-core
# host shortened the digest tail at 20,000 registrations/s, bench/RESULTS.md; 0: V8's parallel and concurrent
# collection),
# BK_CHALLENGE_THREADS (registrar.challengeThreads of the station in auth mode, default 1: the 401 leg on a
# second core, as Kamailio's second worker process uses it),
# BK_WRITER_THREAD (storage.sqliteWriterThread of the station: default 1 in plain mode, 0 in auth mode, the
# setting README recommends for each: with the challenge thread on the second core, commits on the event loop
# cost less CPU per registration; without it, the event loop is the bottleneck and the writer thread relieves
# it; paired runs in bench/RESULTS.md),
# BK_NODE_ARGS / BK_ARGS (extra node flags, e.g. --trace-gc, and extra registrar-station.ts flags, e.g. --loop-stats),
# ONLY=beckon (diagnosis runs: skip the Kamailio steps; such a run is no comparison),
# FLOOR=1 (a third server per step: bench/udp-floor-server.ts, the fewest operations Node.js needs to answer
# the same SIPp load without parsing, verifying or storing anything: the floor a Node.js registrar pays on
# this host; port FLOOR_PORT, default 5086),
# WARM_S / WARM_RATE (warm-up before each measured step, both servers: default 3 s at 2,000/s; WARM_S=0: none),
# REPEAT (trials per rate, default 1: with n > 1 each rate runs n times on each server, the servers' order
# alternating from trial to trial (Kamailio first in odd trials, Beckon first in even ones), rows labelled
# ...-RATE-rK; registrar-results.py then counts a step as sustained when more than half of its trials were. On
# this shared host one run's p99 at a fixed rate moves by a factor of two, so a single trial per step decides
# near the limit by chance; the floor step runs in the first trial only).
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$(cd "$REPO/../shared/reference/kamailio-bench" && pwd)
export QUIET_WAIT=${QUIET_WAIT:-15} QUIET_MAX=${QUIET_MAX:-25}
# Own runtime folder and ports: other benchmarks (with their own Kamailio on 5070) may share the machine.
export RUN=${RUN:-${TMPDIR:-/tmp}/beckon-registrar-bench/run}
KAM_PORT=${KAM_PORT:-5072}
export SIPP_PORT=${SIPP_PORT:-5094}
source "$BENCH/lib.sh"
sed "s/127\.0\.0\.1:5070/127.0.0.1:$KAM_PORT/g" "$BENCH/kamailio/kamailio-bench.cfg" >"$RUN/kamailio-bench-port.cfg"
KAM_CFG=$RUN/kamailio-bench-port.cfg
SIP_PORT=$KAM_PORT
ports_free "$SIPP_PORT" || exit 1
MODES=${1:-both}; DUR=${2:-10}; shift $(( $# >= 2 ? 2 : $# ))
RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || RATES=(5000 10000 15000 20000)
read -r -a RATES_AUTH <<<"${RATES_AUTH:-$(for r in "${RATES[@]}"; do printf '%d ' $((r / 2)); done)}"
case $MODES in both) MODES=(plain auth) ;; plain|auth) MODES=("$MODES") ;; *) echo "plain|auth|both" >&2; exit 2 ;; esac
ensure_pkgs kamailio sip-tester bc
ensure_users_csv 500000
TAG=${TAG:-registrar-$(date +%Y%m%d-%H%M%S)}
BECKON_PORT=${BECKON_PORT:-5080}
BK_PID=
bk_start() {   # bk_start [--auth] -> BK_PID
  ports_free "$BECKON_PORT" || return 1
  local db="$RUN/beckon-bench.db"
  local old_space=
  [ "${BK_OLD_SPACE_MB:-512}" -gt 0 ] && old_space="--initial-old-space-size=${BK_OLD_SPACE_MB:-512}"
  local gc=
  [ "${BK_SINGLE_THREADED_GC:-1}" = 1 ] && gc=--single-threaded-gc
  rm -f "$db" "$db-wal" "$db-shm"
  (cd "$REPO" && exec node --max-semi-space-size="${BK_SEMI_SPACE_MB:-32}" $old_space $gc ${BK_NODE_ARGS:-} --import tsx bench/registrar-station.ts --port "$BECKON_PORT" --db "$db" ${BK_ARGS:-} "$@") \
    >"$RUN/beckon.log" 2>&1 &
  BK_PID=$!
  local i
  for i in $(seq 1 150); do
    grep -q READY "$RUN/beckon.log" 2>/dev/null && { sleep 0.5; log "beckon up, pid $BK_PID ($*)"; return 0; }
    kill -0 "$BK_PID" 2>/dev/null || { log "beckon died:"; tail -20 "$RUN/beckon.log" >&2; return 1; }
    sleep 0.1
  done
  log "beckon did not come up"; return 1
}
bk_stop() {
  [ -n "${BK_PID:-}" ] || return 0
  kill -TERM "$BK_PID" 2>/dev/null
  local i; for i in $(seq 1 50); do kill -0 "$BK_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$BK_PID" 2>/dev/null && kill -KILL "$BK_PID"
  wait "$BK_PID" 2>/dev/null
  BK_PID=
}
# warm TARGET MODE RATE PORT PID: the same scenario for WARM_S seconds at WARM_RATE/s before the measured
# step, on both servers alike, so that the step measures a server in its running state (JIT-compiled code,
# allocated tables) rather than its first seconds. Its row is labelled warmup-* and left out of the report.
warm() {
  [ "${WARM_S:-3}" -gt 0 ] || return 0
  SIP_PORT=$4 KAM_PID=$5 run_sipp "$RES/$TAG/warmup-$1-$2-$3" "$SCEN" u1 "${WARM_RATE:-2000}" "${WARM_S:-3}" >/dev/null
  sleep 1
}
# kam_stop signals Kamailio's main process only; wait for its workers to release the port (and end any
# that linger, as a killed main process leaves them) so that the next step can bind it.
kam_stop_all() {
  kam_stop
  local i; for i in $(seq 1 30); do ss -lun | grep -q "127.0.0.1:$KAM_PORT " || return 0; sleep 0.1; done
  pkill -KILL -f "$RUN/kamailio.cfg" 2>/dev/null; sleep 0.3
}
FLOOR_PID=
floor_step() {   # floor_step MODE RATE: the same step against the Node.js floor server
  local port=${FLOOR_PORT:-5086}
  ports_free "$port" || return 1
  local auth=; [ "$1" = auth ] && auth=--auth
  (cd "$REPO" && exec node --import tsx bench/udp-floor-server.ts --port "$port" $auth) >"$RUN/floor.log" 2>&1 &
  FLOOR_PID=$!
  local i; for i in $(seq 1 100); do grep -q READY "$RUN/floor.log" 2>/dev/null && break; sleep 0.1; done
  warm floor "$1" "$2" "$port" "$FLOOR_PID"
  log "floor $1 rate=$2"
  KAM_PID=$FLOOR_PID SIP_PORT=$port run_sipp "$RES/$TAG/floor-$1-$2" "$SCEN" u1 "$2" "$DUR"
  kill -TERM "$FLOOR_PID" 2>/dev/null; wait "$FLOOR_PID" 2>/dev/null; FLOOR_PID=
  sleep 1
}
trap 'kam_stop_all; bk_stop; [ -n "$FLOOR_PID" ] && kill "$FLOOR_PID" 2>/dev/null' EXIT; trap 'exit 130' INT TERM

for MODE in "${MODES[@]}"; do
  if [ "$MODE" = auth ]; then SCEN=$BENCH/sipp/reg_auth.xml; KDEFS=(WITH_AUTH); BKARGS=(--auth --challenge-threads "${BK_CHALLENGE_THREADS:-1}"); RS=("${RATES_AUTH[@]}")
  else SCEN=$BENCH/sipp/reg.xml; KDEFS=(); BKARGS=(); RS=("${RATES[@]}"); fi
  WT_DEFAULT=1; [ "$MODE" = auth ] && WT_DEFAULT=0
  [ "${BK_WRITER_THREAD:-$WT_DEFAULT}" = 1 ] || BKARGS+=(--no-writer-thread)
  # The same 4 MB UDP receive buffer as Beckon's default (sip.udpRecvBufferBytes): Kamailio's own default is
  # smaller and drops datagrams (counted as failures) at 15,000/s and more.
  KDEFS+=("BENCH_CHILDREN=${KAM_CHILDREN:-2}" "BENCH_MAXBUFFER=${KAM_MAXBUFFER:-4194304}")
  for R in "${RS[@]}"; do
    for K in $(seq 1 "${REPEAT:-1}"); do
      SUF=; [ "${REPEAT:-1}" -gt 1 ] && SUF=-r$K
      ORDER=(kamailio beckon); [ $((K % 2)) = 0 ] && ORDER=(beckon kamailio)
      for T in "${ORDER[@]}"; do
        if [ "$T" = kamailio ]; then
          [ "${ONLY:-}" != beckon ] || continue
          kam_start "${KDEFS[@]}" || exit 1
          warm kamailio "$MODE" "$R$SUF" "$KAM_PORT" "$KAM_PID"
          log "kamailio $MODE rate=$R$SUF"
          SIP_PORT=$KAM_PORT run_sipp "$RES/$TAG/kamailio-$MODE-$R$SUF" "$SCEN" u1 "$R" "$DUR"
          kam_stop_all
        else
          bk_start "${BKARGS[@]}" || exit 1
          warm beckon "$MODE" "$R$SUF" "$BECKON_PORT" "$BK_PID"
          log "beckon $MODE rate=$R$SUF"
          KAM_PID=$BK_PID SIP_PORT=$BECKON_PORT run_sipp "$RES/$TAG/beckon-$MODE-$R$SUF" "$SCEN" u1 "$R" "$DUR"
          bk_stop
        fi
        sleep 1
      done
      if [ "${FLOOR:-0}" = 1 ] && [ "$K" = 1 ]; then floor_step "$MODE" "$R" || exit 1; fi
    done
  done
done
echo "summary: $RES/$TAG/summary.tsv"
column -t -s $'\t' "$RES/$TAG/summary.tsv"
