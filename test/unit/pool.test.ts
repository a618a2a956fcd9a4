// The bounded pool: at most `limit` calls in flight, and after the first refusal no new
// call starts while the calls in flight still end and are answered. Each call here is a
// promise the test settles by hand, so what has started is read at every step.
import { mapLimit, settleLimit } from '../../src/shared/pool.js';

interface Call {
  resolve: (value: string) => void;
  reject: (reason: Error) => void;
}

/** A pool over `count` items whose calls wait for the test; `started` lists their indices. */
function controlled(count: number) {
  const calls = new Map<number, Call>();
  const started: number[] = [];
  const items = Array.from({ length: count }, (_, i) => i);
  const fn = (item: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      calls.set(item, { resolve, reject });
    });
  const call = (index: number): Call => {
    const found = calls.get(index);
    if (!found) throw new Error(`item ${index} never started`);
    return found;
  };
  return { items, fn, started, call };
}

/** Lets every pending continuation run (the pool's workers pick their next item). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the bounded pool', () => {
  it('starts no item after the first refusal, and still answers the item in flight with its outcome', async () => {
    const { items, fn, started, call } = controlled(7);
    const answer = settleLimit(items, 2, fn);
    await settle();
    expect(started).toEqual([0, 1]);
    call(0).reject(new Error('pods "web-0" is forbidden'));
    await settle();
    expect(started).toEqual([0, 1]);
    call(1).resolve('deleted web-1');
    expect(await answer).toEqual([
      { status: 'rejected', reason: new Error('pods "web-0" is forbidden') },
      { status: 'fulfilled', value: 'deleted web-1' },
    ]);
    expect(started).toEqual([0, 1]);
  });

  it('answers every item started before the refusal, in order, and none after it', async () => {
    const { items, fn, started, call } = controlled(7);
    const answer = settleLimit(items, 2, fn);
    await settle();
    call(0).resolve('a');
    await settle();
    expect(started).toEqual([0, 1, 2]);
    call(2).reject(new Error('refused'));
    await settle();
    call(1).resolve('b');
    const outcomes = await answer;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(started).toEqual([0, 1, 2]);
  });

  it('never has more than the limit in flight, and runs every item when none fails', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (i) => {
        most = Math.max(most, ++inFlight);
        await settle();
        inFlight--;
        return i * 2;
      },
    );
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it('mapLimit throws the refusal only once the items in flight have ended', async () => {
    const { items, fn, started, call } = controlled(5);
    let ended = false;
    const answer = mapLimit(items, 2, fn).finally(() => {
      ended = true;
    });
    await settle();
    call(1).reject(new Error('refused'));
    await settle();
    expect(ended).toBe(false);
    call(0).resolve('deleted');
    await expect(answer).rejects.toThrow('refused');
    expect(started).toEqual([0, 1]);
  });
});
