// The one retry loop and back-off formula. Callers say what is retryable, how often, and
// what the user reads when retries run out; the loop owns the waiting between attempts.
//
// Full jitter (a random wait between 0 and the exponential step) spreads racing runs out
// instead of letting them collide again in lockstep; the cap bounds any single wait.

/**
 * Attempts per API request, the first included, where retrying it is safe: the Kubernetes
 * client's loop and GitHub's retry plugin (which keeps its own spacing) both take this.
 */
export const REQUEST_ATTEMPTS = 4;
/** The unit of back-off in ms, unless KUBEMEND_BACKOFF_MS says otherwise. */
export const BACKOFF_UNIT_MS = 1000;

/** Exponential steps, `baseMs` doubling per retry up to `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: Backoff;
  /** Whether a failed attempt may be tried again; anything else is thrown at once. */
  retryable(error: unknown): boolean;
  /** A wait the server asked for (Retry-After), in ms, used instead of the computed one (still capped). */
  requestedDelayMs?(error: unknown): number | undefined;
  /** Told before each wait (for counters and logs). */
  onRetry?(error: unknown, retry: number, delayMs: number): void;
  /** The error thrown when every attempt failed retryably; default: the last error. */
  exhausted?(last: unknown): Error;
  sleep?: Sleep;
  /** In [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The step before retry `retry` (1 for the first retry): `baseMs · 2^(retry-1)`, capped. */
export function backoffStep(backoff: Backoff, retry: number): number {
  return Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
}

/** The full-jitter wait before retry `retry`: uniform in [0, step). */
export function backoffDelay(
  backoff: Backoff,
  retry: number,
  random: () => number = Math.random,
): number {
  return random() * backoffStep(backoff, retry);
}

/** Runs `call` until it succeeds, fails unretryably, or has used `policy.attempts`. */
export async function retrying<R>(
  policy: RetryPolicy,
  call: (attempt: number) => Promise<R>,
): Promise<R> {
  const wait = policy.sleep ?? sleep;
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (!policy.retryable(error)) throw error;
      if (attempt >= policy.attempts) throw policy.exhausted ? policy.exhausted(error) : error;
      const requested = policy.requestedDelayMs?.(error);
      const delay =
        requested === undefined
          ? backoffDelay(policy.backoff, attempt, random)
          : Math.min(requested, policy.backoff.capMs);
      policy.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
