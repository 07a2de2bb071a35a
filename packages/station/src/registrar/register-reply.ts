/**
 * What the registrar decided for one REGISTER: a status, an optional reason phrase and the header rows
 * to add to the response (Contact list, Min-Expires, WWW-Authenticate, ...). The caller builds and sends
 * the response (statelessly, or through a server transaction).
 */
export interface RegisterReply {
  readonly status: number;
  readonly reason?: string;
  readonly headers: readonly (readonly [string, string])[];
}

/** Why a REGISTER was refused (the `reason` label of `registrar_rejected_registrations`). */
export type RegisterRejectReason =
  | 'bad-request'
  | 'bad-uri'
  | 'foreign-domain'
  | 'not-found'
  | 'bad-extension'
  | 'extension-required'
  | 'interval-too-brief'
  | 'unauthenticated'
  | 'auth-failed'
  | 'forbidden'
  | 'out-of-order'
  | 'too-many-contacts'
  | 'storage-failed'
  | 'stopped';
