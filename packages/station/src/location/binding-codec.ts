import type { BindingFlow, BindingRecord } from './binding.js';

/**
 * The `data` column of a stored binding: the whole record, so that loading needs no other column.
 *
 * Format 2 (written now) is a JSON array of the values in a fixed order, headed by the format number:
 * a stored binding takes about 300 bytes instead of the 500 of a JSON object with its field names, and
 * every byte less is a byte less in the WAL of every commit and every checkpoint. Format 1 (a JSON
 * object, written before) is still read. Absent optional fields are `null` in the array and absent in
 * the decoded record.
 */
const FORMAT = 2;

type Row = readonly unknown[];

export function encodeBinding(b: BindingRecord): string {
  const f = b.flow;
  return JSON.stringify([
    FORMAT,
    b.aor,
    b.contactKey,
    b.userIndex,
    b.contactIndex,
    b.contact,
    b.callId,
    b.cseq,
    b.expiresAt,
    b.receivedAt,
    b.contactParams ?? null,
    b.displayName ?? null,
    b.instance ?? null,
    b.regId ?? null,
    b.instrument ?? null,
    b.authUser ?? null,
    b.path ?? null,
    f ? [f.transport, f.localAddress, f.localPort, f.remoteAddress, f.remotePort, f.flowId ?? null] : null,
    b.userAgent ?? null,
  ]);
}

/** Parses a `data` column value (either format); undefined if the row is corrupt (never throws). */
export function decodeBinding(data: unknown): BindingRecord | undefined {
  let v: unknown;
  try {
    v = typeof data === 'string' ? JSON.parse(data) : data;
  } catch {
    return undefined;
  }
  if (Array.isArray(v)) return v[0] === FORMAT ? fromRow(v) : undefined;
  if (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as BindingRecord).aor === 'string' &&
    typeof (v as BindingRecord).contactKey === 'string' &&
    typeof (v as BindingRecord).expiresAt === 'number'
  )
    return v as BindingRecord;
  return undefined;
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function fromRow(r: Row): BindingRecord | undefined {
  const [, aor, contactKey, userIndex, contactIndex, contact, callId, cseq, expiresAt, receivedAt] = r;
  if (
    !isStr(aor) ||
    !isStr(contactKey) ||
    !isNum(userIndex) ||
    !isNum(contactIndex) ||
    !isStr(contact) ||
    !isStr(callId) ||
    !isNum(cseq) ||
    !isNum(expiresAt) ||
    !isNum(receivedAt)
  )
    return undefined;
  const [params, displayName, instance, regId, instrument, authUser, path, flow, userAgent] = r.slice(10);
  const out: Record<string, unknown> = { aor, contact };
  if (params !== null && typeof params === 'object' && !Array.isArray(params)) out['contactParams'] = params;
  if (isStr(displayName)) out['displayName'] = displayName;
  if (isStr(instance)) out['instance'] = instance;
  if (isNum(regId)) out['regId'] = regId;
  if (isStr(instrument)) out['instrument'] = instrument;
  if (isStr(authUser)) out['authUser'] = authUser;
  out['callId'] = callId;
  out['cseq'] = cseq;
  out['expiresAt'] = expiresAt;
  if (Array.isArray(path) && path.every(isStr)) out['path'] = path;
  const fl = flowOf(flow);
  if (fl) out['flow'] = fl;
  out['receivedAt'] = receivedAt;
  if (isStr(userAgent)) out['userAgent'] = userAgent;
  out['contactKey'] = contactKey;
  out['userIndex'] = userIndex;
  out['contactIndex'] = contactIndex;
  return out as unknown as BindingRecord;
}

function flowOf(x: unknown): BindingFlow | undefined {
  if (!Array.isArray(x)) return undefined;
  const [transport, localAddress, localPort, remoteAddress, remotePort, flowId] = x as unknown[];
  if (
    !isStr(transport) ||
    !isStr(localAddress) ||
    !isNum(localPort) ||
    !isStr(remoteAddress) ||
    !isNum(remotePort)
  )
    return undefined;
  return isStr(flowId)
    ? { transport, localAddress, localPort, remoteAddress, remotePort, flowId }
    : { transport, localAddress, localPort, remoteAddress, remotePort };
}
