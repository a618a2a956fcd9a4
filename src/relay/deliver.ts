// Delivers queued dispatches to GitHub as repository_dispatch events, one at a time and
// in queue order, within a rate per minute. While GitHub fails (5xx, 429, a dropped
// connection) the head of the queue is retried with exponential back-off and nothing
// behind it overtakes it, so every key's dispatches arrive in the order they were made.
// A 4xx other than 429 says the request itself is wrong: that item is dropped, logged
// and counted, and the queue moves on. When GitHub says how long to wait (Retry-After,
// a rate limit's reset), the relay waits at least that long.
import type { Octokit } from '../github/client.js';
import type { RelayClock } from './clock.js';
import type { DispatchSource } from './grouper.js';
import type { Log } from './log.js';
import type { DispatchQueue, Queued } from './queue.js';

export const EVENT_TYPE = 'kubemend-alert';

export const DELIVER_DEFAULTS = { perMinute: 60, backoffBaseMs: 1000, backoffCapMs: 60_000 };

export interface DeliverOptions {
  octokit: Octokit;
  /** `owner/name`. */
  repository: string;
  queue: DispatchQueue;
  clock: RelayClock;
  log: Log;
  /** Dispatches per minute to the repository. Default 60. */
  perMinute?: number;
  backoffBaseMs?: number;
  /** Longest back-off between attempts. Default 1 minute. */
  backoffCapMs?: number;
  /** Called once per delivered dispatch with its time in the queue (ms). */
  onDelivered?: (item: Queued, latencyMs: number) => void;
}

type Counts = Record<DispatchSource, number>;
const zero = (): Counts => ({ alertmanager: 0, generic: 0, events: 0, storm: 0 });

export class Deliverer {
  readonly dispatched = zero();
  /** Dispatches GitHub refused for good (a 4xx other than 429). */
  readonly failed = zero();
  /** Attempts that failed and were retried. */
  retries = 0;
  private readonly options: DeliverOptions;
  private readonly owner: string;
  private readonly repo: string;
  private readonly perMinute: number;
  private tokens: number;
  private refilledAt: number;
  /** What the delivery loop is doing: waiting for an item, sleeping (rate or back-off), sending. */
  state: 'waiting' | 'sleeping' | 'sending' | 'stopped' = 'waiting';
  private stopped = false;
  private inFlight = false;
  private idleWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;

  constructor(options: DeliverOptions) {
    this.options = options;
    const [owner = '', repo = ''] = options.repository.split('/');
    this.owner = owner;
    this.repo = repo;
    this.perMinute = options.perMinute ?? DELIVER_DEFAULTS.perMinute;
    this.tokens = this.perMinute;
    this.refilledAt = options.clock.now();
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** True while nothing is queued or being sent. */
  get idle(): boolean {
    return this.options.queue.size === 0 && !this.inFlight;
  }

  /** Resolves once the queue is empty and nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Delivers what is queued for at most `graceMs` (on the relay clock), then stops.
   * Resolves to true when everything was delivered.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.start();
    const done = await Promise.race([
      this.whenIdle().then(() => true),
      this.options.clock.sleep(graceMs).then(() => false),
    ]);
    this.stop();
    return done;
  }

  stop(): void {
    this.stopped = true;
    this.options.queue.wake();
  }

  private async loop(): Promise<void> {
    const { queue, clock } = this.options;
    let attempt = 0;
    while (!this.stopped) {
      const item = queue.peek();
      if (!item) {
        for (const wake of this.idleWaiters.splice(0)) wake();
        this.state = 'waiting';
        await queue.waitForItem();
        continue;
      }
      await this.takeToken();
      if (this.stopped) break;
      this.inFlight = true;
      this.state = 'sending';
      const outcome = await this.send(item);
      this.inFlight = false;
      if (outcome !== 'done') {
        attempt++;
        this.retries++;
        const base = this.options.backoffBaseMs ?? DELIVER_DEFAULTS.backoffBaseMs;
        const cap = this.options.backoffCapMs ?? DELIVER_DEFAULTS.backoffCapMs;
        this.state = 'sleeping';
        // GitHub's own wait (Retry-After, a rate limit's reset) beats a shorter back-off.
        await clock.sleep(
          Math.max(Math.min(base * 2 ** Math.min(attempt - 1, 20), cap), outcome.waitMs),
        );
        continue;
      }
      attempt = 0;
      queue.shift();
    }
    this.state = 'stopped';
  }

  /** A token bucket of `perMinute`, refilled continuously: waits in the queue, never drops. */
  private async takeToken(): Promise<void> {
    const { clock } = this.options;
    for (;;) {
      const now = clock.now();
      this.tokens = Math.min(
        this.perMinute,
        this.tokens + ((now - this.refilledAt) * this.perMinute) / 60_000,
      );
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      this.state = 'sleeping';
      await clock.sleep(Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute));
      if (this.stopped) return;
    }
  }

  private async send(item: Queued): Promise<'done' | { waitMs: number }> {
    const { octokit, clock, log } = this.options;
    try {
      await octokit.rest.repos.createDispatchEvent({
        owner: this.owner,
        repo: this.repo,
        event_type: EVENT_TYPE,
        // client_payload takes at most 10 top-level keys: payloads.ts keeps them to 9.
        client_payload: { ...item.payload, kubemend_occurrences: item.occurrences },
      });
      this.dispatched[item.source]++;
      this.options.onDelivered?.(item, clock.now() - item.queuedAt);
      return 'done';
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const message = error instanceof Error ? error.message : String(error);
      const retry = { waitMs: requestedWaitMs(error) };
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
        if (status === 403 && /rate limit/i.test(message)) return retry;
        this.failed[item.source]++;
        log('error', 'GitHub refused a dispatch; it is dropped.', {
          status,
          error: message.slice(0, 300),
          source: item.source,
          occurrences: item.occurrences,
        });
        return 'done';
      }
      log('warning', 'GitHub did not take a dispatch; retrying with back-off.', {
        status: typeof status === 'number' ? status : null,
        error: message.slice(0, 300),
        queued: this.options.queue.size,
        ...(retry.waitMs > 0 ? { retryAfterMs: retry.waitMs } : {}),
      });
      return retry;
    }
  }
}

/** The longest wait GitHub may ask for that the relay honours: an hour, a primary limit's window. */
const MAX_REQUESTED_WAIT_MS = 3_600_000;

/**
 * How long GitHub asked the relay to wait, in ms (0 when it did not): Retry-After on a
 * secondary rate limit or a 429, else the reset of an exhausted primary limit, read
 * against GitHub's own clock (its Date header) so a skewed local clock does not matter.
 */
export function requestedWaitMs(error: unknown): number {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  if (!headers) return 0;
  const retryAfter = String(headers['retry-after'] ?? '');
  let wait = 0;
  if (/^\d+$/.test(retryAfter)) wait = Number(retryAfter) * 1000;
  else if (retryAfter) wait = Date.parse(retryAfter) - Date.parse(String(headers.date ?? ''));
  else if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    const now = Date.parse(String(headers.date ?? ''));
    if (Number.isFinite(reset) && Number.isFinite(now)) wait = reset - now + 1000;
  }
  return Number.isFinite(wait) ? Math.min(Math.max(wait, 0), MAX_REQUESTED_WAIT_MS) : 0;
}
