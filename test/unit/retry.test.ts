// The one retry loop: which failures are tried again, how long it waits between attempts
// (full jitter under an exponential step with a cap), and what the caller sees when the
// attempts run out. Sleep and jitter are injected, so the waits are read, never timed.
import { backoffStep, retrying, type RetryPolicy } from '../../src/shared/retry.js';

class Lost extends Error {}
class Broken extends Error {}

/** A call failing with `failures` in turn, then answering 'done'; `calls` counts attempts. */
function scripted(failures: Error[]) {
  let calls = 0;
  const call = async (attempt: number) => {
    calls++;
    expect(attempt).toBe(calls);
    const failure = failures[attempt - 1];
    if (failure) throw failure;
    return 'done';
  };
  return { call, calls: () => calls };
}

/** A policy retrying Lost, recording every wait it asks for instead of waiting. */
function policy(overrides: Partial<RetryPolicy> = {}) {
  const waits: number[] = [];
  const full: RetryPolicy = {
    attempts: 8,
    backoff: { baseMs: 100, capMs: 1000 },
    retryable: (error) => error instanceof Lost,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
  return { full, waits };
}

describe('retrying', () => {
  it('doubles the step from the base per retry and never goes past the cap', () => {
    const backoff = { baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5, 6, 30].map((n) => backoffStep(backoff, n))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('waits a jittered share of each step, within [0, step)', async () => {
    const draws = [0, 0.25, 0.999, 0.5, 0.1];
    const { full, waits } = policy({ random: () => draws.shift() ?? 0 });
    const { call } = scripted([new Lost(), new Lost(), new Lost(), new Lost(), new Lost()]);
    await expect(retrying(full, call)).resolves.toBe('done');
    expect(waits).toEqual([0, 50, 399.6, 400, 100]);
  });

  it('answers the first success after lost races, having tried once per failure more', async () => {
    const { full, waits } = policy();
    const script = scripted([new Lost(), new Lost()]);
    await expect(retrying(full, script.call)).resolves.toBe('done');
    expect(script.calls()).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it('throws an error the caller does not call retryable at once, without waiting', async () => {
    const { full, waits } = policy();
    const broken = new Broken('no');
    const script = scripted([new Lost(), broken, new Lost()]);
    await expect(retrying(full, script.call)).rejects.toBe(broken);
    expect(script.calls()).toBe(2);
    expect(waits).toEqual([50]);
  });

  it('surfaces the last error when every attempt failed retryably', async () => {
    const { full, waits } = policy({ attempts: 3 });
    const last = new Lost('third');
    const script = scripted([new Lost('first'), new Lost('second'), last, new Lost('never')]);
    await expect(retrying(full, script.call)).rejects.toBe(last);
    expect(script.calls()).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it("tells the caller's own error when the attempts run out, caused by the last one", async () => {
    const last = new Lost('second');
    const { full } = policy({
      attempts: 2,
      exhausted: (error) =>
        new Error('the record kept changing; run the command again', { cause: error }),
    });
    const failure = await retrying(full, scripted([new Lost(), last]).call).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('the record kept changing; run the command again');
    expect((failure as Error).cause).toBe(last);
  });

  it('waits as long as the server asked, but no longer than the cap', async () => {
    const asked = [250, 60_000, undefined];
    const { full, waits } = policy({ requestedDelayMs: () => asked.shift() });
    await retrying(full, scripted([new Lost(), new Lost(), new Lost()]).call);
    expect(waits).toEqual([250, 1000, 200]);
  });

  it('tells onRetry of each retry with its number and wait, and not of the final failure', async () => {
    const told: [number, number][] = [];
    const { full } = policy({ attempts: 3, onRetry: (_e, retry, ms) => told.push([retry, ms]) });
    await expect(
      retrying(full, scripted([new Lost(), new Lost(), new Lost()]).call),
    ).rejects.toBeInstanceOf(Lost);
    expect(told).toEqual([
      [1, 50],
      [2, 100],
    ]);
  });
});
