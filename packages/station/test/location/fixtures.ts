import type { Binding, BindingRecord } from '../../src/location/index.js';
import { contactKey } from '../../src/location/index.js';

/** A binding for tests: `n` picks the AOR and contact, the rest can be overridden. */
export function binding(n: number, over: Partial<Binding> = {}): Binding {
  const user = `u${n}`;
  return {
    aor: `sip:${user}@example.net`,
    contact: `sip:${user}@10.0.${(n >> 8) & 255}.${n & 255}:5060;transport=udp`,
    contactParams: { expires: '3600' },
    callId: `cid-${n}`,
    cseq: 1,
    expiresAt: 2_000_000_000_000,
    receivedAt: 1_700_000_000_000,
    flow: {
      transport: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '10.0.0.1',
      remotePort: 5060,
    },
    ...over,
  };
}

export function record(n: number, over: Partial<BindingRecord> = {}): BindingRecord {
  const b = binding(n, over);
  return { ...b, contactKey: contactKey(b), userIndex: n + 1, contactIndex: n + 1, ...over };
}
