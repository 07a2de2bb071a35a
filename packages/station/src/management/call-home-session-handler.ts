import type { Socket } from 'node:net';
import type { MatchedSession } from './management-service.js';

/** A call-home connection matched to its management requests, handed to the session handler. */
export interface CallHomeSession extends MatchedSession {
  /** The connection (plain TCP or TLS); the hello and the 200 reply are already exchanged. */
  readonly socket: Socket;
  /** Bytes the device sent after its hello (they belong to the management protocol). */
  readonly initialData: Buffer;
  readonly secure: boolean;
  /** `address:port` of the device as seen by the station. */
  readonly peer: string;
}

export type SessionOutcome = { ok: true; detail?: string } | { ok: false; detail: string };

/**
 * The seam for the management protocol itself (SNMP over the call-home connection: next issue). The
 * listener resolves the requests of the session with the outcome and closes the socket if the handler
 * left it open.
 */
export interface CallHomeSessionHandler {
  handle(session: CallHomeSession): Promise<SessionOutcome>;
}

/** Default handler: the session is considered done as soon as it is open; the connection is closed. */
export class CloseSessionHandler implements CallHomeSessionHandler {
  handle(session: CallHomeSession): Promise<SessionOutcome> {
    session.socket.end();
    return Promise.resolve({ ok: true, detail: 'call-home matched; no session handler configured' });
  }
}
