// The dispatches waiting for GitHub, first in first out. Bounded: the server refuses new
// alerts (503, which Alertmanager retries) once it is full, rather than grow without limit.
import type { Dispatch } from './grouper.js';

export const QUEUE_DEFAULTS = { capacity: 10_000 };

export interface Queued extends Dispatch {
  /** When it entered the queue (the relay clock's ms), for the dispatch latency. */
  queuedAt: number;
}

export class DispatchQueue {
  readonly capacity: number;
  private items: Queued[] = [];
  private head = 0;
  private waiters: (() => void)[] = [];

  constructor(capacity = QUEUE_DEFAULTS.capacity) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /**
   * Admission is decided at the door (`full`), before a request's alerts are grouped:
   * the dispatches of one admitted request, or of one tick, are never dropped, so the
   * queue may pass its capacity by that much.
   */
  push(item: Queued): void {
    this.items.push(item);
    for (const wake of this.waiters.splice(0)) wake();
  }

  peek(): Queued | undefined {
    return this.items[this.head];
  }

  shift(): Queued | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    // Compact now and then rather than shift() an array of thousands each time.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Resolves when an item is pushed (or at once when one is waiting). */
  waitForItem(): Promise<void> {
    if (this.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes anyone waiting for an item, without one (a stop). */
  wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
