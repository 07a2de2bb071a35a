#!/usr/bin/env python3
"""Turns bench/registrar-bench.sh's summary.tsv into the 'REGISTER (issue 3)' section of bench/RESULTS.md.

usage: bench/registrar-results.py RESULTS_DIR [--write bench/RESULTS.md] [--note TEXT]
A step is sustained when failures < 0.1 % and p99 < 50 ms; the max sustained rate per target and mode is the
highest such step (rates are registrations/s: with auth each is two REGISTER transactions)."""
import csv, sys, os, re

args = sys.argv[1:]
d = args[0]
out = args[args.index('--write') + 1] if '--write' in args else None
note = args[args.index('--note') + 1] if '--note' in args else ''
rows = list(csv.DictReader(open(os.path.join(d, 'summary.tsv')), delimiter='\t'))

def parse(label):
    m = re.match(r'(kamailio|beckon)-(plain|auth)-(\d+)', label)
    return (m.group(1), m.group(2), int(m.group(3))) if m else None

table = ['| target | mode | offered/s | ok/s | failed % | p50 ms | p99 ms | server CPU % | CPU ms / 1,000 | host busy % | sustained |',
         '|---|---|---|---|---|---|---|---|---|---|---|']
best = {}
for r in rows:
    k = parse(r['label'])
    if not k:
        continue
    target, mode, rate = k
    ok = float(r['fail_pct']) < 0.1 and float(r['p99_ms']) < 50
    if ok and rate > best.get((target, mode), (0, ''))[0]:
        best[(target, mode)] = (rate, r['kam_cpu_ms_per_1k_ok'])
    table.append(f"| {target} | {mode} | {r['offered_per_s']} | {r['ok_per_s']} | {r['fail_pct']} | {r['p50_ms']} | {r['p99_ms']} | "
                 f"{r['kam_cpu_pct']} | {r['kam_cpu_ms_per_1k_ok']} | {r['host_busy_pct']} | {'yes' if ok else 'no'} |")
summary = ['| mode | Kamailio max sustained/s (CPU ms/1k) | Beckon max sustained/s (CPU ms/1k) | ratio Beckon/Kamailio |', '|---|---|---|---|']
for mode in ('plain', 'auth'):
    k = best.get(('kamailio', mode)); b = best.get(('beckon', mode))
    if not k and not b:
        continue
    ratio = f"{b[0] / k[0]:.2f}" if k and b else 'n/a'
    summary.append(f"| {mode} | {k[0] if k else '<lowest step'} ({k[1] if k else '-'}) | {b[0] if b else '<lowest step'} ({b[1] if b else '-'}) | {ratio} |")
section = ['## REGISTER (issue 3)', '',
           'Kamailio 5.6 (registrar + usrloc in memory, 2 workers, `../shared/reference/kamailio-bench`) and Beckon\'s station',
           '(one Node.js process, stateless REGISTER front, SQLite persistence on: WAL, synchronous=normal, 200 sent after',
           'commit) in the same run, SIPp `reg.xml` / `reg_auth.xml` over UDP, fresh server per step, no SIPp',
           'retransmissions. Sustained = failures < 0.1 % and p99 < 50 ms. Auth rates are registrations/s (two',
           'REGISTER transactions each). Produced by `bench/registrar-bench.sh` + `bench/registrar-results.py`.', '']
if note:
    section += [note, '']
section += summary + [''] + table + ['']
text = '\n'.join(section)
if out:
    cur = open(out).read() if os.path.exists(out) else '# Benchmark results\n'
    cur = re.sub(r'\n## REGISTER \(issue 3\)\n.*?(?=\n## |\Z)', '\n', cur, flags=re.S)
    open(out, 'w').write(cur.rstrip('\n') + '\n\n' + text)
print(text)
