#!/usr/bin/env python3
"""Markdown section for bench/RESULTS.md from two summary.tsv files (reference and Beckon) of one run.

A rate step is "sustained" when failures are under 0.1 % and p99 is under 50 ms.
"""
import csv, sys, datetime, platform, os

tag, kam_f, bk_f, kind, tr, dur, pin = sys.argv[1:8]

def rows(f):
    if not os.path.exists(f):
        return []
    return list(csv.DictReader(open(f), delimiter='\t'))

def ok(r):
    try:
        return float(r['fail_pct']) < 0.1 and float(r['p99_ms']) < 50.0
    except ValueError:
        return False

def best(rs):
    good = [r for r in rs if ok(r)]
    return max(good, key=lambda r: float(r['ok_per_s'])) if good else None

kam, bk = rows(kam_f), rows(bk_f)
cols = ['target_cps', 'ok_per_s', 'failed', 'fail_pct', 'p50_ms', 'p99_ms', 'kam_cpu_pct', 'kam_cpu_ms_per_1k_ok']
names = ['offered/s', 'ok/s', 'failed', 'fail %', 'p50 ms', 'p99 ms', 'server CPU %', 'server CPU ms / 1,000']
out = []
out.append(f"\n### {kind.upper()} over {tr.upper()} — {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')} UTC ({tag})\n")
out.append(f"SIPp {dur} s per step, no retransmissions (a lost packet is a failure); "
           f"{'server pinned to one core, SIPp to the other' if pin == '1' else 'unpinned'}; {os.cpu_count()} cores.\n")
for name, rs in (('Kamailio', kam), ('Beckon', bk)):
    out.append(f"\n**{name}**\n")
    out.append('| ' + ' | '.join(names) + ' |')
    out.append('|' + '---|' * len(names))
    for r in rs:
        out.append('| ' + ' | '.join(str(r.get(c, '')) for c in cols) + ' |')
kb, bb = best(kam), best(bk)
out.append('')
if kb and bb:
    rate_ratio = float(bb['ok_per_s']) / max(1.0, float(kb['ok_per_s']))
    out.append(f"- Max sustained rate: Kamailio {kb['ok_per_s']}/s, Beckon {bb['ok_per_s']}/s "
               f"(Beckon/Kamailio = {rate_ratio:.2f}).")
else:
    out.append(f"- Max sustained rate: Kamailio {kb['ok_per_s'] if kb else 'none sustained'}, "
               f"Beckon {bb['ok_per_s'] if bb else 'none sustained'}.")
# CPU per 1,000 at the highest rate both sustained
common = [(k, b) for k in kam for b in bk if k['target_cps'] == b['target_cps'] and ok(k) and ok(b)]
if common:
    k, b = max(common, key=lambda kb2: int(kb2[0]['target_cps']))
    kc, bc = float(k['kam_cpu_ms_per_1k_ok']), float(b['kam_cpu_ms_per_1k_ok'])
    out.append(f"- CPU per 1,000 at {k['target_cps']}/s: Kamailio {kc:.0f} ms, Beckon {bc:.0f} ms "
               f"(Beckon/Kamailio = {bc / max(1.0, kc):.2f}).")
print('\n'.join(out))
