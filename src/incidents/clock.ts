// Incident times come from GitHub's clock (the Date header of its latest answer) rather
// than the runner's, so runs on different runners agree on them.
import type { RequestStats } from '../github/client.js';

export class IncidentClock {
  private readonly stats: Pick<RequestStats, 'serverTime'>;
  private readonly localNow: () => number;
  private readonly receivedAt: number | undefined;

  /**
   * `localNow` is the runner's clock, used only before GitHub has answered once;
   * `receivedAt` is when the run received its payload, in ms.
   */
  constructor(
    stats: Pick<RequestStats, 'serverTime'>,
    localNow: () => number = Date.now,
    receivedAt?: number,
  ) {
    this.stats = stats;
    this.localNow = localNow;
    this.receivedAt = receivedAt;
  }

  /** GitHub's time when it has answered, else the runner's, in ms. */
  now(): number {
    return this.stats.serverTime ?? this.localNow();
  }

  /** The runner's own clock, for how long this run waits (never an incident's time). */
  runnerNow(): number {
    return this.localNow();
  }

  /** `now()` as an ISO time to the second. */
  iso(): string {
    return toIso(this.now());
  }

  /** When the payload arrived (to the millisecond, for ordering), or now when the run did not say. */
  receivedIso(): string {
    return this.receivedAt === undefined ? this.iso() : new Date(this.receivedAt).toISOString();
  }
}

/** An ISO time to the second, as GitHub dates everything. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
