/**
 * Outcome of a grammar-level parse. Grammar parsers never throw on bad input; they return
 * `{ ok: false, reason }` with a short human-readable reason.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
