import type { BindingRecord } from '../location/index.js';

/** Told after the bindings of `aor` (registered by `instrument`, when known) changed. */
export type LocationChangeListener = (aor: string, instrument: string | undefined) => void;

/**
 * What the `reg` package reads from the location service (`LocationService` fits): live bindings by AOR,
 * by instrument and by both, and change notification.
 */
export interface RegLocationView {
  lookup(aor: string): readonly BindingRecord[];
  byInstrument(instrument: string): readonly BindingRecord[];
  byAorAndInstrument(aor: string, instrument: string): readonly BindingRecord[];
  /** Registers a listener; the function returned removes it. */
  onChange(listener: LocationChangeListener): () => void;
}
