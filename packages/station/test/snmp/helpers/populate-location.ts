import type { LocationService } from '../../../src/location/index.js';

/**
 * Registers `users` AORs with `perUser` contacts each through the location service's own API
 * (`applyRegister`, as the registrar does), `concurrency` REGISTERs at a time.
 */
export async function populateLocation(
  location: LocationService,
  users: number,
  opts: { perUser?: number; domain?: string; concurrency?: number; expiresInSec?: number } = {},
): Promise<void> {
  const perUser = opts.perUser ?? 1;
  const domain = opts.domain ?? 'example.net';
  const now = Date.now();
  const expiresAt = now + (opts.expiresInSec ?? 3600) * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= users) return;
      const user = `u${String(i).padStart(7, '0')}`;
      const aor = `sip:${user}@${domain}`;
      const add = [];
      for (let c = 0; c < perUser; c++)
        add.push({
          aor,
          contact: `sip:${user}@127.0.${(i >> 8) & 255}.${i & 255}:${5060 + c};transport=udp`,
          contactParams: { expires: '3600', ...(c === 0 ? { q: '1.0' } : { q: '0.5' }) },
          displayName: `User ${i}`,
          callId: `populate-${i}`,
          cseq: 1,
          expiresAt,
          receivedAt: now,
        });
      const r = await location.applyRegister(aor, { callId: `populate-${i}`, cseq: 1, add });
      if (!r.ok) throw new Error(`populate ${aor}: ${r.reason}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 64 }, () => worker()));
}
