/**
 * A queue whose items are handled at most `budget` per event-loop turn (the rest at the next turns, via
 * setImmediate), in the order they were pushed. For work that arrives in bursts larger than one turn
 * should take: a port that delivers thousands of queued messages at once, say. Handled in one go they
 * keep the event loop from everything else (timers, I/O completions, acknowledgements of earlier work)
 * for as long as they take.
 */
export class TurnBudgetQueue<T> {
  private items: T[] = [];
  private next = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly handle: (item: T) => void,
    private readonly budget: number,
  ) {
    if (!(budget >= 1)) throw new RangeError('TurnBudgetQueue budget must be at least 1');
  }

  /** Items pushed and not handled yet. */
  get length(): number {
    return this.items.length - this.next;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /** Handles everything still queued at once (for a stop), and takes no more items. */
  flush(): void {
    this.closed = true;
    this.drain(Infinity);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.drain(this.budget);
    if (this.length > 0 && !this.closed) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };

  private drain(max: number): void {
    const end = Math.min(this.items.length, this.next + max);
    // The handler must not throw (it is the caller's guard against bad items); if it does anyway, the
    // queue has already moved past the item, so the ones behind it are still handled at the next turn.
    while (this.next < end) this.handle(this.items[this.next++] as T);
    if (this.next === this.items.length) {
      this.items = [];
      this.next = 0;
    } else if (this.next >= 4096 && this.next * 2 >= this.items.length) {
      // A backlog that never empties: drop the handled items from the front now and then.
      this.items = this.items.slice(this.next);
      this.next = 0;
    }
  }
}
