import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeEngineId, MAX_ENGINE_VALUE, parseEngineIdHex } from '@beckon/snmp';

/** What is kept across restarts for the local SNMP engine. */
export interface EngineState {
  readonly engineId: Buffer;
  /** snmpEngineBoots of this run (already incremented and saved). */
  readonly engineBoots: number;
  /** How the engine ID was obtained (for the start log). */
  readonly origin: 'configured' | 'stored' | 'generated';
}

/**
 * IANA "Enterprise Number for Documentation Use" (RFC 5612): Beckon has no private enterprise number of
 * its own yet, so generated engine IDs and sysObjectID live under this arc until one is assigned.
 */
export const BECKON_ENTERPRISE = 32473;

interface StoredForm {
  engineId: string;
  engineBoots: number;
}

/**
 * Persists snmpEngineID and snmpEngineBoots in a small JSON file (written to a temporary name, then
 * renamed, so a crash leaves either the old or the new content).
 *
 * RFC 3414 §2.2.1: "snmpEngineBoots which is a count of the number of times the SNMP engine has
 * re-booted/re-initialized since snmpEngineID was last configured". Every `nextBoot` therefore increments
 * the stored value and saves it before the engine answers; a new (configured) engine ID starts again at 1.
 * "If it reaches 2147483647, it remains latched at that value".
 */
export class EngineStateFile {
  constructor(private readonly path: string | undefined) {}

  /** The file, or undefined when state is not persisted (boots then always 1). */
  get location(): string | undefined {
    return this.path;
  }

  /** Reads the stored state, applies the configured engine ID, increments boots and saves. */
  nextBoot(
    configuredHex: string | undefined,
  ): { ok: true; state: EngineState } | { ok: false; error: string } {
    let configured: Buffer | undefined;
    if (configuredHex !== undefined) {
      configured = parseEngineIdHex(configuredHex);
      if (!configured)
        return { ok: false, error: `snmp.engineId is not a valid engine ID: ${configuredHex}` };
    }
    const stored = this.read();
    let engineId: Buffer;
    let boots: number;
    let origin: EngineState['origin'];
    if (configured) {
      engineId = configured;
      origin = 'configured';
      boots = stored && stored.engineId.equals(configured) ? stored.engineBoots : 0;
    } else if (stored) {
      engineId = stored.engineId;
      origin = 'stored';
      boots = stored.engineBoots;
    } else {
      const r = makeEngineId({ enterprise: BECKON_ENTERPRISE });
      if (!r.ok) return { ok: false, error: r.error };
      engineId = r.engineId;
      origin = 'generated';
      boots = 0;
    }
    const engineBoots = Math.min(boots + 1, MAX_ENGINE_VALUE);
    const saved = this.save(engineId, engineBoots);
    if (!saved.ok) return saved;
    return { ok: true, state: { engineId, engineBoots, origin } };
  }

  /** Saves boots (also called when engineTime wraps and boots grows). */
  save(engineId: Buffer, engineBoots: number): { ok: true } | { ok: false; error: string } {
    if (!this.path) return { ok: true };
    const body: StoredForm = { engineId: engineId.toString('hex'), engineBoots };
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(body) + '\n', { mode: 0o600 });
      renameSync(tmp, this.path);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `cannot save SNMP engine state to ${this.path}: ${String(err)}` };
    }
  }

  /** The stored state; undefined when absent or unreadable (a fresh engine ID is then generated). */
  read(): { engineId: Buffer; engineBoots: number } | undefined {
    if (!this.path) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const v = JSON.parse(text) as Partial<StoredForm>;
      const id = typeof v.engineId === 'string' ? parseEngineIdHex(v.engineId) : undefined;
      const boots = v.engineBoots;
      if (!id || typeof boots !== 'number' || !Number.isInteger(boots) || boots < 0) return undefined;
      return { engineId: id, engineBoots: Math.min(boots, MAX_ENGINE_VALUE) };
    } catch {
      return undefined;
    }
  }
}
