import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What a temporary GRUU stands for: one instance of one AOR, as registered with one Call-ID. */
export interface TempGruuTarget {
  readonly aor: string;
  /** The instance ID (the URN inside +sip.instance, without quotes and angle brackets). */
  readonly instance: string;
  /** Call-ID of the registration that was answered with this GRUU. */
  readonly callId: string;
}

/** User parts of temporary GRUUs start with this, so the proxy tells them from user names at a glance. */
export const TEMP_GRUU_PREFIX = 'tgruu.';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Temporary GRUUs (RFC 5627 §3.2, §5.3): "it is not possible to determine the AOR from the temporary
 * GRUU", and the registrar must be able to map one back to the AOR and instance it was issued for.
 * Beckon keeps no table of them: the user part is the AOR, instance ID and Call-ID sealed with
 * AES-256-GCM under the station's GRUU key (a random IV each time, so every registration gets a new
 * temporary GRUU, and the authentication tag rejects any forged or altered one).
 *
 * RFC 5627 §5.2 (paraphrased): a temporary GRUU stays valid while the registration it came from lives, and
 * until the instance registers again with another Call-ID. The Call-ID sealed inside lets the proxy check
 * exactly that against the live binding.
 */
export class TempGruuCodec {
  private readonly key: Buffer;

  /** `key`: 32 bytes. Temporary GRUUs sealed under one key open only under the same key. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the temporary GRUU key must be 32 bytes');
    this.key = Buffer.from(key);
  }

  /** The user part of a new temporary GRUU for `target`. */
  seal(target: TempGruuTarget): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([
      c.update(`${target.aor}\n${target.instance}\n${target.callId}`, 'utf8'),
      c.final(),
    ]);
    return TEMP_GRUU_PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
  }

  /** The target of a temporary GRUU's user part, or undefined when it is not one this key sealed. */
  open(user: string): TempGruuTarget | undefined {
    if (!user.startsWith(TEMP_GRUU_PREFIX)) return undefined;
    const raw = Buffer.from(user.slice(TEMP_GRUU_PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 5) return undefined;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([
        d.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        d.final(),
      ]).toString('utf8');
      const [aor, instance, callId, extra] = text.split('\n');
      if (aor === undefined || instance === undefined || callId === undefined || extra !== undefined)
        return undefined;
      return { aor, instance, callId };
    } catch {
      // Authentication failed: not ours, or altered.
      return undefined;
    }
  }
}
