#!/usr/bin/env bash
# Side-by-side SIPp load against Kamailio (reference) and Beckon, in the same run, same scenario, same
# rates. Appends a section with both tables and the ratios to bench/RESULTS.md.
#
# Usage: bench/sip-compare.sh <options|reg|auth|sub> <udp|tcp> <duration_s> <rate...>
#   e.g. bench/sip-compare.sh options udp 10 5000 10000 15000 20000
# Env:   PIN=1 (default) server on cpu0, SIPp on cpu1: one core each, the fair match for one Node.js
#        process against Kamailio with KAM_CHILDREN=1 (default here).
#        BECKON_CMD overrides the command that starts Beckon (it must print `ready <pid>` or just run).
#        REF points at the Kamailio reference harness (default ../shared/reference/kamailio-bench).
#        WARM_S / WARM_RATE: warm-up before each measured step, both servers (default 3 s at 2,000/s; 0: none).
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${REF:-$REPO/../shared/reference/kamailio-bench}
[ -f "$REF/lib.sh" ] || { echo "reference harness not found at $REF" >&2; exit 2; }
export BENCH=$REF
source "$REF/lib.sh"
KIND=${1:?options|reg|auth|sub}; TR=${2:?udp|tcp}; DUR=${3:?duration}; shift 3
RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || { echo "give at least one rate" >&2; exit 2; }
PIN=${PIN:-1}
export KAM_CHILDREN=${KAM_CHILDREN:-1}
ensure_pkgs kamailio sip-tester bc
[ "$KIND" = sub ] && ensure_pkgs kamailio-presence-modules
ensure_users_csv 500000
case $TR in udp) ST=u1 ;; tcp) ST=t1 ;; *) exit 2 ;; esac
DEFS=("BENCH_CHILDREN=$KAM_CHILDREN" "BENCH_MAXBUFFER=4194304")
case $KIND in
  options) SCEN=$REPO/bench/sipp/options.xml ;;
  reg) SCEN=$REF/sipp/reg.xml ;;
  auth) SCEN=$REF/sipp/reg_auth.xml; DEFS+=(WITH_AUTH) ;;
  sub) SCEN=$REF/sipp/subscribe.xml; DEFS+=(WITH_PRESENCE) ;;
  *) echo "kind options|reg|auth|sub" >&2; exit 2 ;;
esac
BPORT=${BECKON_PORT:-5080}
KAM_SIP_PORT=$SIP_PORT
if [ -z "${BECKON_CMD:-}" ]; then
  case $KIND in
    options) BECKON_CMD="node --import tsx bench/servers/sip-core-server.ts --host 127.0.0.1 --port $BPORT" ;;
    *) BECKON_CMD="node bin/beckon.js station --config bench/station-bench.yaml --set storage.sqlitePath=$RUN/beckon-var/beckon.db --set sip.listen=[{transport:udp,host:127.0.0.1,port:$BPORT},{transport:tcp,host:127.0.0.1,port:$BPORT}]" ;;
  esac
fi
TAG=${TAG:-compare-$KIND-$TR-$(date +%Y%m%d-%H%M%S)}
BPID=
beckon_stop() {
  [ -n "$BPID" ] || return 0
  kill -TERM "$BPID" 2>/dev/null
  local i; for i in $(seq 1 50); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$BPID" 2>/dev/null; wait "$BPID" 2>/dev/null; BPID=
}
# warm TARGET RATE: the same scenario for WARM_S seconds (default 3) at WARM_RATE/s (default 2,000, at most
# the step's rate) before a measured step, on both servers alike, so that steps measure running servers
# (JIT-compiled code) rather than their first seconds; the rows go to a separate warmup/ summary.
warm() {
  [ "${WARM_S:-3}" -gt 0 ] || return 0
  local r=${WARM_RATE:-2000}; [ "$2" -lt "$r" ] && r=$2
  run_sipp "$RES/$TAG/warmup/$1-$KIND-$TR-$2" "$SCEN" "$ST" "$r" "${WARM_S:-3}" >/dev/null
  sleep 1
}
trap 'kam_stop; beckon_stop' EXIT; trap 'exit 130' INT TERM
pin() { # pin PID: the process tree of PID on cpu0, SIPp on cpu1
  [ "$PIN" = 1 ] || return 0
  local p
  for p in $(ps -e -o pid=,ppid= | awk -v r="$1" '$2==r{print $1}') "$1"; do taskset -a -p -c 0 "$p" >/dev/null; done
  SIPP_PREFIX=(taskset -c 1)
}

for R in "${RATES[@]}"; do
  if [ "$KIND" = sub ]; then
    # presence needs a db_url even in memory-only mode: db_text with the stock (empty) tables (as the
    # reference's bench-subscribe.sh does)
    rm -rf "$RUN/dbtext"; mkdir -p "$RUN/dbtext"; cp /usr/share/kamailio/dbtext/kamailio/* "$RUN/dbtext/"
  fi
  kam_start "${DEFS[@]}" || exit 1
  pin "$KAM_PID"
  warm kamailio "$R"
  log "kamailio $KIND $TR rate=$R dur=${DUR}s"
  run_sipp "$RES/$TAG/kamailio/$KIND-$TR-$R" "$SCEN" "$ST" "$R" "$DUR"
  kam_stop
  sleep 1
done

for R in "${RATES[@]}"; do
  rm -rf "$RUN/beckon-var"; mkdir -p "$RUN/beckon-var"
  ( cd "$REPO" && exec $BECKON_CMD ) >"$RUN/beckon.log" 2>&1 &
  BPID=$!
  for i in $(seq 1 100); do
    ss -lun 2>/dev/null | grep -q "127.0.0.1:$BPORT " && break
    kill -0 "$BPID" 2>/dev/null || { log "beckon died:"; tail -20 "$RUN/beckon.log" >&2; exit 1; }
    sleep 0.1
  done
  sleep 0.5
  pin "$BPID"
  KAM_PID=$BPID SIP_PORT=$BPORT
  warm beckon "$R"
  log "beckon $KIND $TR rate=$R dur=${DUR}s (pid $BPID)"
  run_sipp "$RES/$TAG/beckon/$KIND-$TR-$R" "$SCEN" "$ST" "$R" "$DUR"
  SIP_PORT=$KAM_SIP_PORT; KAM_PID=
  beckon_stop
  sleep 1
done

python3 "$REPO/bench/compare-report.py" "$TAG" "$RES/$TAG/kamailio/summary.tsv" "$RES/$TAG/beckon/summary.tsv" \
  "$KIND" "$TR" "$DUR" "$PIN" >>"$REPO/bench/RESULTS.md"
tail -n 30 "$REPO/bench/RESULTS.md"
