/**
 * Whether the main thread is overloaded, as the registrar challenge threads see it: the main thread sets
 * it, every thread reads it, through one 32-bit word of shared memory (no message per change, and a read
 * costs an atomic load). While it is on, the threads start no new registrations: a REGISTER without
 * credentials gets no 401, so the client's second leg does not add to a queue that is already late.
 */
export class OverloadSignal {
  private readonly word: Int32Array;

  /** A new signal (off), or a view of one another thread made (its `buffer`). */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  get on(): boolean {
    return Atomics.load(this.word, 0) !== 0;
  }

  set(on: boolean): void {
    Atomics.store(this.word, 0, on ? 1 : 0);
  }
}
