/**
 * The local SNMP engine's snmpEngineBoots / snmpEngineTime (RFC 3414 §2.2.1).
 *
 * "snmpEngineBoots which is a count of the number of times the SNMP engine has re-booted/
 *  re-initialized since snmpEngineID was last configured; and, snmpEngineTime which is the number of
 *  seconds since the snmpEngineBoots counter was last incremented."
 * "If snmpEngineTime ever reaches its maximum value (2147483647), then snmpEngineBoots is incremented
 *  as if the SNMP engine has re-booted and snmpEngineTime is reset to zero".
 * "snmpEngineBoots ... If it reaches 2147483647, it remains latched at that value (and the engine
 *  must be reconfigured with a new snmpEngineID)".
 *
 * The caller persists engineBoots across restarts (increments it at each start and saves it); this
 * class counts time from its own construction with a monotonic clock.
 */

export const MAX_ENGINE_VALUE = 2_147_483_647;

export interface EngineClockInit {
  engineBoots: number;
  /** Monotonic milliseconds; default `performance.now()`. Tests inject a fake. */
  nowMs?: () => number;
  /** Called when engineTime wraps and engineBoots is incremented, so the caller can persist it. */
  onBootsChange?: (engineBoots: number) => void;
}

export class EngineClock {
  private boots: number;
  private baseMs: number;
  private readonly nowMs: () => number;
  private readonly onBootsChange: ((b: number) => void) | undefined;

  constructor(init: EngineClockInit) {
    this.nowMs = init.nowMs ?? (() => performance.now());
    this.boots = Math.min(Math.max(0, Math.floor(init.engineBoots)), MAX_ENGINE_VALUE);
    this.baseMs = this.nowMs();
    this.onBootsChange = init.onBootsChange;
  }

  /** snmpEngineBoots now (applies the time wrap rule first). */
  get engineBoots(): number {
    this.advance();
    return this.boots;
  }

  /** snmpEngineTime now, in seconds. */
  get engineTime(): number {
    return this.advance();
  }

  /** Both values, read consistently. */
  read(): { engineBoots: number; engineTime: number } {
    const engineTime = this.advance();
    return { engineBoots: this.boots, engineTime };
  }

  /** True when boots is latched at its maximum: the engine must not authenticate (RFC 3414 §3.2 7a). */
  get latched(): boolean {
    return this.boots >= MAX_ENGINE_VALUE;
  }

  private advance(): number {
    const now = this.nowMs();
    let t = Math.floor((now - this.baseMs) / 1000);
    if (t >= MAX_ENGINE_VALUE) {
      if (this.boots < MAX_ENGINE_VALUE) {
        this.boots++;
        this.onBootsChange?.(this.boots);
      }
      this.baseMs = now;
      t = 0;
    }
    return t;
  }
}
