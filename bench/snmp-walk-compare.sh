#!/usr/bin/env bash
# SNMP walk benchmark (issue 5): snmpbulkwalk of the registrar tables with N registered users, Beckon's
# SIP-SERVER-MIB (sipServerRegUserTable / sipServerRegContactTable, StationSnmp over the live location
# service) and, in the same run, Kamailio + snmpd (snmpstats AgentX sub-agent, kamailioSIPRegUserTable /
# kamailioSIPContactTable) through ../shared/reference/kamailio-bench/bench-snmp.sh.
#
# Usage: bench/snmp-walk-compare.sh [--append] [sizes...]      (default sizes: 10000 100000)
#   --append   append the section 'SNMP walk (issue 5)' to bench/RESULTS.md
# Environment: KAM_TIMEOUT (seconds per Kamailio run, default 1500), OUT (results folder), QUIET_WAIT,
# REPORT_ONLY=1 (rebuild the report from OUT without measuring), PIN=1 (each side's every process on one
# core, PIN_CPU, default 0: the walker, Beckon's station; the walker, snmpd and Kamailio. A walk is one
# request/response ping-pong, and on a virtual machine most of a round trip is the cross-core wake-up of the
# other process; on one core both sides skip it).
# Beckon's location service is filled through its API (LocationService.applyRegister); Kamailio's through
# SIPp REGISTER at 2000/s (what bench-snmp.sh does). Both walk with snmpbulkwalk -v2c, numeric OIDs, the
# default max-repetitions (10) and -Cr50. Runs one after the other (never both at once); every process
# is bounded by `timeout` and the reference script stops what it started.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KB=$ROOT/../shared/reference/kamailio-bench
APPEND=0
SIZES=()
for a in "$@"; do
  if [ "$a" = "--append" ]; then APPEND=1; else SIZES+=("$a"); fi
done
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/beckon-snmp-walk.XXXXXX")}
KAM_TIMEOUT=${KAM_TIMEOUT:-1500}
mkdir -p "$OUT"
echo "results in $OUT"
PINCMD=()
[ "${PIN:-0}" = 1 ] && PINCMD=(taskset -c "${PIN_CPU:-0}")

# quiet: wait (bounded by QUIET_WAIT s) until the host is nearly idle, as the reference scripts do before a
# step, so that other workloads on a shared machine skew Beckon's figures no more than Kamailio's.
export QUIET_WAIT=${QUIET_WAIT:-90}
quiet() {
  local waited=0 a b busy
  while :; do
    a=$(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat); sleep 1
    b=$(awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat)
    busy=$(echo "$a $b" | awk -v n="$(nproc)" '{printf "%.0f", 100*n*($3-$1)/($4-$2)}')
    if [ "$busy" -lt "${QUIET_MAX:-15}" ] || [ "$waited" -ge "$QUIET_WAIT" ]; then echo "host busy ${busy}% before the step (waited ${waited}s)"; return; fi
    waited=$((waited + 1))
  done
}

# field LABEL FILE -> "varbinds secs rc" (lines as printed by both sides)
field() { grep -m1 "^$1 " "$2" 2>/dev/null | sed -E 's/.*varbinds=([0-9]+) +secs=([0-9.]+).* rc=([0-9]+).*/\1 \2 \3/'; }
# rate N SECS RC MIN -> varbinds/s, or "failed" when the walk returned fewer than MIN varbinds or rc != 0
rate() {
  if [ -z "${1:-}" ]; then echo "-"; return; fi
  if [ "${3:-1}" != 0 ] || [ "$1" -lt "$4" ]; then echo "failed"; return; fi
  awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%d", n / s; else print "-" }'
}

for N in "${SIZES[@]}"; do
  [ -n "${REPORT_ONLY:-}" ] && break   # REPORT_ONLY=1 OUT=<folder>: only rebuild the section from a finished run
  echo "== Beckon, $N users"
  quiet | tee "$OUT/beckon-$N.quiet"
  (cd "$ROOT" && timeout 900 "${PINCMD[@]}" node --import tsx bench/snmp-walk-beckon.ts "$N") | tee "$OUT/beckon-$N.txt"
  echo "== Kamailio + snmpd, $N users (bounded to ${KAM_TIMEOUT}s)"
  KAM_PKG_MB=${KAM_PKG_MB:-128} RES="$OUT/kamailio" TAG="snmp-$N" timeout "$KAM_TIMEOUT" "${PINCMD[@]}" bash "$KB/bench-snmp.sh" "$N" 2000 \
    >"$OUT/kamailio-$N.log" 2>&1
  echo "kamailio exit $? (124 = bounded by timeout)" | tee -a "$OUT/kamailio-$N.log"
  cp "$OUT/kamailio/snmp-$N/walks.txt" "$OUT/kamailio-walks-$N.txt" 2>/dev/null || : >"$OUT/kamailio-walks-$N.txt"
  cat "$OUT/kamailio-walks-$N.txt"
done

{
  echo
  echo "## SNMP walk (issue 5)"
  echo
  echo "\`bench/snmp-walk-compare.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores. snmpbulkwalk -v2c (numeric OIDs) of the"
  echo "registrar tables with N users of one contact each: Beckon's SIP-SERVER-MIB (StationSnmp reading the live location"
  echo "service; populated through LocationService.applyRegister) and Kamailio 5.6 + snmpd (snmpstats through AgentX;"
  echo "populated by SIPp REGISTER, \`../shared/reference/kamailio-bench/bench-snmp.sh\`, KAM_PKG_MB=128), one after the other."
  if [ "${PIN:-0}" = 1 ]; then echo "Placement: PIN=1, each side's every process on core ${PIN_CPU:-0} (taskset): snmpbulkwalk and Beckon's station; snmpbulkwalk, snmpd, Kamailio and SIPp."
  else echo "Placement: PIN=0, no pinning (the scheduler spreads the walker and the agent over the cores)."; fi
  echo "Contact rows: Beckon 5 columns (sipServerRegContactTable), Kamailio its kamailioSIPContactTable columns."
  echo "Host load before the Beckon steps: $(cat "$OUT"/beckon-*.quiet 2>/dev/null | tr '\n' ';' | sed 's/;$//') (the Kamailio script waits the same way)."
  echo
  echo "| Users | Walk | -Cr | Beckon varbinds | Beckon s | Beckon varbinds/s | Kamailio varbinds | Kamailio s | Kamailio varbinds/s | Ratio |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for N in "${SIZES[@]}"; do
    for pair in "regusers-second:regusers-second:10:user table" "regusers-cr50:regusers-cr50:50:user table" "contacts:contacts:10:contact table" "contacts-cr50::50:contact table"; do
      IFS=: read -r bl kl cr name <<<"$pair"
      read -r bn bs brc <<<"$(field "$bl" "$OUT/beckon-$N.txt")"
      kn=; ks=; krc=
      [ -n "$kl" ] && read -r kn ks krc <<<"$(field "$kl" "$OUT/kamailio-walks-$N.txt")"
      br=$(rate "${bn:-}" "${bs:-}" "${brc:-}" "$N"); kr=$(rate "${kn:-}" "${ks:-}" "${krc:-}" "$N")
      ratio=$(awk -v a="$br" -v b="$kr" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && b > 0) printf "%.1fx", a / b; else print "-" }')
      echo "| $N | $name | $cr | ${bn:--} | ${bs:--} | $br | ${kn:--} | ${ks:--} | $kr | $ratio |"
    done
    bad=$(grep -E 'rc=[1-9]|varbinds=[0-9] ' "$OUT/kamailio-walks-$N.txt" 2>/dev/null | head -3 | sed -E 's/ +/ /g')
    [ -n "$bad" ] && echo "| $N | Kamailio failures | | | | | | | | $(echo "$bad" | tr '\n' ';' | sed 's/|/\\|/g') |"
  done
  if [ ${#SIZES[@]} -ge 2 ]; then
    a=${SIZES[0]}; b=${SIZES[${#SIZES[@]}-1]}
    read -r an as _ <<<"$(field contacts "$OUT/beckon-$a.txt")"; read -r bn bs _ <<<"$(field contacts "$OUT/beckon-$b.txt")"
    echo
    echo "Linearity (Beckon, contact table, default -Cr): $a -> $b users, varbinds x$(awk -v x="${an:-0}" -v y="${bn:-0}" 'BEGIN { if (x > 0) printf "%.1f", y / x; else print "-" }'), time x$(awk -v x="${as:-0}" -v y="${bs:-0}" 'BEGIN { if (x > 0) printf "%.1f", y / x; else print "-" }')."
    for N in "${SIZES[@]}"; do
      read -r kn ks krc <<<"$(field contacts "$OUT/kamailio-walks-$N.txt")"
      echo "Kamailio contact table, $N users: $(rate "${kn:-}" "${ks:-}" "${krc:-}" "$N") varbinds/s (${kn:-0} varbinds in ${ks:-?} s, rc ${krc:-?})."
    done
  fi
} | tee "$OUT/section.md"

if [ "$APPEND" = 1 ]; then
  cat "$OUT/section.md" >>"$ROOT/bench/RESULTS.md"
  echo "appended to bench/RESULTS.md"
fi
