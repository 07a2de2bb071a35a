#!/usr/bin/env python3
"""Turns bench/registrar-bench.sh summary.tsv files into the 'REGISTER (issue 3)' section of bench/RESULTS.md.

usage: bench/registrar-results.py RESULTS_DIR... [--write bench/RESULTS.md] [--note TEXT]
A step is sustained when failures < 0.1 % and p99 < 50 ms; the max sustained rate per run, target and mode is
the highest such step (auth rates are registrations/s: two REGISTER transactions each), and the strict ratio
compares the highest rates up to which every step was sustained. With several trials per step
(registrar-bench.sh REPEAT=n, rows labelled ...-RATE-rK), a step counts as sustained when more than half of its
trials were. `other CPU %` is what
the rest of the machine used during the step (in % of one core; this machine is shared)."""
import csv, sys, os, re, statistics

args = sys.argv[1:]
opts = {}
dirs = []
i = 0
while i < len(args):
    if args[i] in ('--write', '--note'):
        opts[args[i]] = args[i + 1]; i += 2
    else:
        dirs.append(args[i]); i += 1

def strict(steps):
    """The highest rate up to which every step was sustained (0 when the lowest was not)."""
    top = 0
    for rate, ok in sorted(steps):
        if not ok:
            break
        top = rate
    return top

def parse(label):
    m = re.match(r'(kamailio|beckon|floor)-(plain|auth)-(\d+)(?:-r(\d+))?$', label)
    return (m.group(1), m.group(2), int(m.group(3)), m.group(4)) if m else None

detail = ['| run | target | mode | offered/s | trial | ok/s | failed % | p50 ms | p99 ms | server CPU % | CPU ms / 1,000 | other CPU % | sustained |',
          '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
summary = ['| run | mode | Kamailio max sustained/s | Beckon max sustained/s | ratio | strict ratio | Kamailio CPU ms/1k (median) | Beckon CPU ms/1k (median) | Node.js floor CPU ms/1k (median) |',
           '|---|---|---|---|---|---|---|---|---|']
for d in dirs:
    run = os.path.basename(d.rstrip('/'))
    rows = list(csv.DictReader(open(os.path.join(d, 'summary.tsv')), delimiter='\t'))
    cpu, trials = {}, {}
    for r in rows:
        k = parse(r['label'])
        if not k:
            continue
        target, mode, rate, trial = k
        ok = float(r['fail_pct']) < 0.1 and float(r['p99_ms']) < 50
        cpu.setdefault((target, mode), []).append(float(r['kam_cpu_ms_per_1k_ok']))
        trials.setdefault((target, mode), {}).setdefault(rate, []).append(ok)
        detail.append(f"| {run} | {target} | {mode} | {r['offered_per_s']} | {trial or 1} | {r['ok_per_s']} | {r['fail_pct']} | {r['p50_ms']} | "
                      f"{r['p99_ms']} | {r['kam_cpu_pct']} | {r['kam_cpu_ms_per_1k_ok']} | {r['other_cpu_pct']} | {'yes' if ok else 'no'} |")
    # A step is sustained when more than half of its trials were (with one trial: that trial).
    steps = {key: [(rate, 2 * sum(oks) > len(oks)) for rate, oks in by_rate.items()] for key, by_rate in trials.items()}
    best = {key: max((rate for rate, ok in s if ok), default=0) for key, s in steps.items()}
    for mode in ('plain', 'auth'):
        if ('kamailio', mode) not in cpu and ('beckon', mode) not in cpu:
            continue
        k = best.get(('kamailio', mode)); b = best.get(('beckon', mode))
        ratio = f'{b / k:.2f}' if k and b else 'n/a'
        ks = strict(steps.get(('kamailio', mode), [])); bs = strict(steps.get(('beckon', mode), []))
        strict_ratio = f'{bs / ks:.2f}' if ks and bs else 'n/a'
        med = lambda t: f"{statistics.median(cpu[(t, mode)]):.0f}" if (t, mode) in cpu else '-'
        summary.append(f"| {run} | {mode} | {k or 'none'} | {b or 'none'} | {ratio} | {strict_ratio} | {med('kamailio')} | {med('beckon')} | {med('floor')} |")
section = ['## REGISTER (issue 3)', '',
           'Kamailio 5.6 (registrar + usrloc in memory, 2 workers, `../shared/reference/kamailio-bench`) and Beckon\'s station',
           '(one Node.js process, stateless REGISTER front, SQLite persistence on: WAL, synchronous=normal, 200 sent after',
           'the commit; plain steps commit on the SQLite writer thread, auth steps on the event loop',
           '(`storage.sqliteWriterThread: false`) with one registrar challenge thread;',
           '`--max-semi-space-size=32 --initial-old-space-size=512 --single-threaded-gc` unless the note says otherwise)',
           'in the same run, SIPp `reg.xml` / `reg_auth.xml`',
           'over UDP, 10 s per step, fresh server per step warmed up for 3 s at 2,000/s (both servers), no SIPp',
           'retransmissions.',
           'CPU is summed over every thread / process of the server. Sustained = failures < 0.1 % and p99 < 50 ms (with',
           'several trials per rate, in more than half of them). Auth',
           'rates are registrations/s (two REGISTER transactions each). Produced by `bench/registrar-bench.sh` and',
           '`bench/registrar-results.py`; `bench/registrar-micro.ts` gives the in-process CPU cost per REGISTER.', '']
if '--note' in opts:
    section += [opts['--note'], '']
section += summary + [''] + detail + ['']
text = '\n'.join(section)
out = opts.get('--write')
if out:
    cur = open(out).read() if os.path.exists(out) else '# Benchmark results\n'
    cur = re.sub(r'\n## REGISTER \(issue 3\)\n.*?(?=\n## |\Z)', '\n', cur, flags=re.S)
    open(out, 'w').write(cur.rstrip('\n') + '\n\n' + text)
print(text)
