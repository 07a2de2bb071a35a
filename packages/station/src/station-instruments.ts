import type { LocationService } from './location/index.js';

export interface InstrumentContactView {
  readonly contact: string;
  readonly expiresAt: number;
  readonly transport?: string;
  readonly source?: string;
  readonly instance?: string;
}

export interface InstrumentLineView {
  readonly aor: string;
  readonly contacts: readonly InstrumentContactView[];
}

/** One instrument (seed 002) with its line appearances. */
export interface InstrumentView {
  readonly instrument: string;
  readonly lines: readonly InstrumentLineView[];
}

/** Every identified instrument with its lines and contacts, sorted by instrument then AOR. */
export function instrumentsView(location: LocationService): InstrumentView[] {
  const out: InstrumentView[] = [];
  for (const { instrument } of location.listInstruments()) {
    const byAor = new Map<string, InstrumentContactView[]>();
    for (const b of location.byInstrument(instrument)) {
      let list = byAor.get(b.aor);
      if (!list) {
        list = [];
        byAor.set(b.aor, list);
      }
      list.push({
        contact: b.contact,
        expiresAt: b.expiresAt,
        ...(b.flow
          ? { transport: b.flow.transport, source: `${b.flow.remoteAddress}:${b.flow.remotePort}` }
          : {}),
        ...(b.instance !== undefined ? { instance: b.instance } : {}),
      });
    }
    if (byAor.size === 0) continue;
    const lines = [...byAor]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([aor, contacts]) => ({ aor, contacts }));
    out.push({ instrument, lines });
  }
  return out.sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
}
