/**
 * One place for every counter and gauge in a Beckon process. The REST API, Prometheus `/metrics`,
 * the SNMP MIBs and the CLI all read from here; no component keeps a private copy.
 *
 * Counters only ever grow while the process runs (seed 003 asks that counters never reset).
 */

export type LabelValues = readonly string[];

/** A counter with a fixed label set; fast path is `counter.child(...).inc()`. */
export class Counter {
  readonly kind = 'counter' as const;
  private readonly children = new Map<string, CounterChild>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  /** The child for one combination of label values; cache it on hot paths. */
  child(...values: string[]): CounterChild {
    const key = values.join('\u0000');
    let c = this.children.get(key);
    if (!c) {
      c = new CounterChild(values);
      this.children.set(key, c);
    }
    return c;
  }

  inc(values: LabelValues = [], n = 1): void {
    this.child(...values).inc(n);
  }

  /** Current value for one label combination (0 if never counted). */
  get(...values: string[]): number {
    return this.children.get(values.join('\u0000'))?.value ?? 0;
  }

  /** Sum over every label combination. */
  total(): number {
    let t = 0;
    for (const c of this.children.values()) t += c.value;
    return t;
  }

  samples(): MetricSample[] {
    return [...this.children.values()].map((c) => ({ labels: c.labels, value: c.value }));
  }
}

export class CounterChild {
  value = 0;
  constructor(readonly labels: LabelValues) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export interface MetricSample {
  labels: LabelValues;
  value: number;
}

/** A gauge whose value is read from live state when asked, never stored twice. */
export class Gauge {
  readonly kind = 'gauge' as const;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly collect: () => number | MetricSample[],
  ) {}

  samples(): MetricSample[] {
    const v = this.collect();
    return typeof v === 'number' ? [{ labels: [], value: v }] : v;
  }
}

export type Metric = Counter | Gauge;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  /** Returns the counter of that name, creating it on first use (same name, same counter). */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.kind !== 'counter') throw new Error(`metric ${name} is a ${existing.kind}`);
      return existing;
    }
    const c = new Counter(name, help, labelNames);
    this.metrics.set(name, c);
    return c;
  }

  /** Registers (or replaces) a gauge computed from live state. */
  gauge(
    name: string,
    help: string,
    collect: () => number | MetricSample[],
    labelNames: readonly string[] = [],
  ): Gauge {
    const g = new Gauge(name, help, labelNames, collect);
    this.metrics.set(name, g);
    return g;
  }

  get(name: string): Metric | undefined {
    return this.metrics.get(name);
  }

  list(): Metric[] {
    return [...this.metrics.values()];
  }

  /** Plain object view for JSON APIs: name -> [{labels:{...}, value}] */
  toJSON(): Record<
    string,
    { kind: string; help: string; samples: { labels: Record<string, string>; value: number }[] }
  > {
    const out: ReturnType<MetricsRegistry['toJSON']> = {};
    for (const m of this.metrics.values()) {
      out[m.name] = {
        kind: m.kind,
        help: m.help,
        samples: m.samples().map((s) => ({ labels: labelObject(m.labelNames, s.labels), value: s.value })),
      };
    }
    return out;
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(prefix = 'beckon_'): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      const name = prefix + m.name;
      lines.push(`# HELP ${name} ${escapeHelp(m.help)}`);
      lines.push(`# TYPE ${name} ${m.kind}`);
      for (const s of m.samples()) {
        const labels = s.labels.length
          ? '{' + s.labels.map((v, i) => `${m.labelNames[i] ?? `l${i}`}="${escapeLabel(v)}"`).join(',') + '}'
          : '';
        lines.push(`${name}${labels} ${s.value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

function labelObject(names: readonly string[], values: LabelValues): Record<string, string> {
  const o: Record<string, string> = {};
  values.forEach((v, i) => (o[names[i] ?? `l${i}`] = v));
  return o;
}
function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
