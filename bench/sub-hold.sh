#!/usr/bin/env bash
# 100,000 subscriptions held by one Beckon notifier process (issue 4): SIPp creates N subscriptions
# (the reference's sipp/subscribe.xml with Expires raised to 3600, distinct Call-IDs, one watcher per
# presentity u0000000..), then the server reports process.memoryUsage() after a forced GC (SIGUSR2).
#   bench/sub-hold.sh [N=100000] [rate=2000]
# Env: SETTLE (s to wait after the run before measuring, default 40); SUB_SERVER_ARGS adds server flags (e.g. --no-store); BECKON_PORT (5082), SIPP_PORT (5092).
# Bounded: SIPp -m N with a timeout; the server is stopped by pid at the end.
# Prints the JSON lines of the server (before, after) and one summary line.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REF=${REF:-$REPO/../shared/reference/kamailio-bench}
N=${1:-100000}; RATE=${2:-2000}
PORT=${BECKON_PORT:-5082}; SPORT=${SIPP_PORT:-5092}
W=${SUB_TMPDIR:-${TMPDIR:-/tmp}/beckon-sub-hold}
rm -rf "$W"; mkdir -p "$W/sipp"
awk -v n="$N" 'BEGIN{print "SEQUENTIAL"; for(i=0;i<n;i++) printf "u%07d;secret\n", i}' >"$W/users.csv"
sed 's/^\( *\)Expires: 600/\1Expires: 3600/' "$REF/sipp/subscribe.xml" >"$W/sipp/subscribe-3600.xml"
grep -q 'Expires: 3600' "$W/sipp/subscribe-3600.xml" || { echo "scenario edit failed" >&2; exit 1; }

( cd "$REPO" && exec node --expose-gc --import tsx bench/servers/subscribe-server.ts --host 127.0.0.1 \
    --port "$PORT" --data-dir "$W/data" ${SUB_SERVER_ARGS:-} ) >"$W/server.out" 2>"$W/server.err" &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null; sleep 1; kill -KILL $SPID 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q '^ready' "$W/server.out" && break; sleep 0.1; done
grep -q '^ready' "$W/server.out" || { echo "server did not start" >&2; cat "$W/server.err" >&2; exit 1; }
mem() { # mem -> the next JSON line of the server after SIGUSR2
  local n; n=$(wc -l <"$W/server.out"); kill -USR2 "$SPID"
  for _ in $(seq 1 100); do [ "$(wc -l <"$W/server.out")" -gt "$n" ] && break; sleep 0.1; done
  tail -n 1 "$W/server.out"
}
sleep 1; BEFORE=$(mem); echo "before: $BEFORE"
T0=$(date +%s.%N)
( cd "$W/sipp" && ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec sipp "127.0.0.1:$PORT" -sf "$W/sipp/subscribe-3600.xml" \
    -inf "$W/users.csv" -t u1 -i 127.0.0.1 -p "$SPORT" -r "$RATE" -rp 1000 -m "$N" -l 20000 \
    -timeout "$((N / RATE + 120))s" -nostdin -buff_size 4194304 -trace_stat -fd 5 -trace_err ) >"$W/sipp.out" 2>&1
RC=$?; T1=$(date +%s.%N)
STAT=$(ls "$W"/sipp/*_.csv 2>/dev/null | head -1)
OKC=$(python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]),delimiter=';'))[-1]; print(r['SuccessfulCall(C)'], r['FailedCall(C)'])" "$STAT" 2>/dev/null)
# Let the transactions of the run end first (Timer J of UDP non-INVITE server transactions: 64*T1 = 32 s), so
# that only the subscriptions remain.
sleep "${SETTLE:-40}"; AFTER=$(mem); echo "after:  $AFTER"
python3 - "$BEFORE" "$AFTER" "$N" "$RC" "$OKC" "$T0" "$T1" <<'PY'
import json, sys
b, a = json.loads(sys.argv[1]), json.loads(sys.argv[2]); n = int(sys.argv[3])
subs = a['subscriptions'] or 1
d = {k: a['memory'][k] - b['memory'][k] for k in ('rss', 'heapUsed', 'external')}
print(f"summary: requested={n} sipp_rc={sys.argv[4]} sipp_ok_failed={sys.argv[5]} "
      f"create_s={float(sys.argv[7]) - float(sys.argv[6]):.1f} live={a['subscriptions']} stored={a.get('stored')} "
      f"rss={a['memory']['rss'] / 2**20:.0f}MiB heapUsed={a['memory']['heapUsed'] / 2**20:.0f}MiB "
      f"per_sub: rss={d['rss'] / subs:.0f}B heap={d['heapUsed'] / subs:.0f}B external={d['external'] / subs:.0f}B "
      f"gc={a['gc']}")
PY
