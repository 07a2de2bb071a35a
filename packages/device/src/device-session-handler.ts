import type { Socket } from 'node:net';

/** A call-home connection the station accepted (hello answered 200). */
export interface DeviceSession {
  readonly socket: Socket;
  /** Bytes the station sent after its 200 reply (they belong to the management protocol). */
  readonly initialData: Buffer;
  readonly protocol: string;
  readonly requestId: string;
  readonly secure: boolean;
}

/**
 * The seam for the management protocol on the device side (SNMP agent over the call-home connection:
 * next issue). Resolves when the session is over.
 */
export interface DeviceSessionHandler {
  handle(session: DeviceSession): Promise<void>;
}

/** Default: the device closes the connection once the station accepted it. */
export class CloseDeviceSession implements DeviceSessionHandler {
  handle(session: DeviceSession): Promise<void> {
    session.socket.end();
    return Promise.resolve();
  }
}
