/**
 * Handed-over datagrams whose digest response a challenge thread already verified
 * (`DigestServer.responseValid`), by buffer identity: the pool marks the buffer it hands to the listener,
 * and the REGISTER front asks for the same buffer when the listener passes it on, so the registrar checks
 * only the nonce's age and count for it (`responseVerified`). A buffer not asked for is collected with it.
 */
export class VerifiedDatagrams {
  private readonly marked = new WeakSet<Buffer>();

  mark(data: Buffer): void {
    this.marked.add(data);
  }

  /** Whether `data` was marked; the mark is used up. */
  take(data: Buffer): boolean {
    return this.marked.delete(data);
  }
}
