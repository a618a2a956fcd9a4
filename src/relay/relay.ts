// The relay's pipeline: offers through the grouper into the queue, the queue delivered
// to GitHub; a tick lets windows end; a drain sends what is held back, then stops.
import type { GroupBy } from '../alerts/identity.js';
import type { Octokit } from '../github/client.js';
import type { RelayClock } from './clock.js';
import { Deliverer } from './deliver.js';
import { Grouper, type Dispatch, type DispatchSource, type Offer } from './grouper.js';
import type { Log } from './log.js';
import { DispatchQueue } from './queue.js';

export interface RelayOptions {
  octokit: Octokit;
  repository: string;
  clock: RelayClock;
  log: Log;
  groupBy?: readonly GroupBy[];
  windowMs?: number;
  stormKeys?: number;
  capacity?: number;
  perMinute?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** Dispatch latency buckets, seconds: a healthy relay is sub-second, a GitHub outage minutes. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

export class Relay {
  readonly grouper: Grouper;
  readonly queue: DispatchQueue;
  readonly deliverer: Deliverer;
  readonly latency: Record<DispatchSource, Histogram>;
  draining = false;
  private readonly clock: RelayClock;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RelayOptions) {
    this.clock = options.clock;
    this.grouper = new Grouper(options, () => options.clock.now());
    this.queue = new DispatchQueue(options.capacity);
    const histogram = (): Histogram => ({
      buckets: LATENCY_BUCKETS.map(() => 0),
      sum: 0,
      count: 0,
    });
    this.latency = {
      alertmanager: histogram(),
      generic: histogram(),
      events: histogram(),
      storm: histogram(),
    };
    this.deliverer = new Deliverer({
      ...options,
      queue: this.queue,
      onDelivered: (item, ms) => {
        const h = this.latency[item.source];
        const seconds = ms / 1000;
        h.buckets = h.buckets.map((n, i) =>
          seconds <= (LATENCY_BUCKETS[i] ?? Infinity) ? n + 1 : n,
        );
        h.sum += seconds;
        h.count++;
      },
    });
  }

  /** Refuse new alerts: the queue is full or the relay is stopping. */
  get refusing(): boolean {
    return this.draining || this.queue.full;
  }

  /** Groups the offers and queues what goes out; returns how many dispatches were queued. */
  accept(offers: Offer[]): number {
    let queued = 0;
    for (const offer of offers) queued += this.enqueue(this.grouper.offer(offer));
    return queued;
  }

  /** Lets windows end. While the queue is full nothing is released: held counts wait. */
  tick(): number {
    if (this.queue.full) return 0;
    return this.enqueue(this.grouper.tick());
  }

  /** Starts delivery, and (with a period) a timer that ticks. */
  start(tickMs?: number): void {
    this.deliverer.start();
    if (tickMs !== undefined) this.timer = setInterval(() => this.tick(), tickMs);
  }

  /** Stops taking alerts, sends everything held back, delivers for at most `graceMs`. */
  async drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    if (this.timer) clearInterval(this.timer);
    this.enqueue(this.grouper.flush());
    return this.deliverer.drain(graceMs);
  }

  private enqueue(dispatches: Dispatch[]): number {
    const queuedAt = this.clock.now();
    for (const d of dispatches) this.queue.push({ ...d, queuedAt });
    return dispatches.length;
  }
}
