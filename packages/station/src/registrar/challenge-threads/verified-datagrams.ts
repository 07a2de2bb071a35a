import { decodeScannedRegister, type ScannedRegister } from './scanned-register-codec.js';

/**
 * Handed-over datagrams that a challenge thread read and whose digest response it verified, each with the
 * thread's record of it (see encodeScannedRegister), by buffer identity: the pool marks the buffer it hands
 * to the listener, and the REGISTER front asks for the same buffer when the listener passes it on, so the
 * registrar reads neither the request nor its Authorization again and checks only the nonce's age and count
 * (`Registrar.processQuick`). A buffer not asked for is collected with its record.
 */
export class VerifiedDatagrams {
  private readonly marked = new WeakMap<Buffer, string>();

  mark(data: Buffer, record: string): void {
    this.marked.set(data, record);
  }

  /** The record of `data`, read, if it was marked (the mark is used up); undefined otherwise. */
  take(data: Buffer): ScannedRegister | undefined {
    const record = this.marked.get(data);
    if (record === undefined) return undefined;
    this.marked.delete(data);
    return decodeScannedRegister(record);
  }
}
