// The grouper alone: pure, on a clock the test moves.
import { normalisePayload } from '../../src/alerts/shapes.js';
import { Grouper, type Dispatch, type Offer } from '../../src/relay/grouper.js';

const T0 = Date.parse('2026-12-01T03:00:00Z');
const MINUTE = 60_000;

function offer(title: string, extra: Record<string, unknown> = {}, cluster = 'prod-eu'): Offer {
  const payload = { title, cluster, severity: 'warning', status: 'firing', ...extra };
  const [alert] = normalisePayload(payload, { cluster: undefined });
  return { alert: alert!, payload, source: 'generic' };
}

function grouper(options: ConstructorParameters<typeof Grouper>[0] = {}) {
  let now = T0;
  const g = new Grouper(options, () => now);
  return { g, at: (ms: number) => (now = T0 + ms) };
}

const total = (ds: Dispatch[]): number => ds.reduce((n, d) => n + d.occurrences, 0);

describe('the relay grouper', () => {
  it('dispatches a new problem at once and carries its held repeats on the resolve', () => {
    const { g, at } = grouper();
    const out: Dispatch[] = [];
    for (let s = 0; s < 600; s += 10) {
      at(s * 1000);
      out.push(...g.offer(offer('Storefront down')), ...g.tick());
    }
    at(600_000);
    out.push(...g.tick(), ...g.offer(offer('Storefront down', { status: 'resolved' })));
    expect(out.map((d) => [d.at - T0, d.payload.status, d.occurrences])).toEqual([
      [0, 'firing', 1],
      [600_000, 'resolved', 60],
    ]);
  });

  it('re-dispatches a problem that keeps firing once per refresh interval, with its count', () => {
    const { g, at } = grouper({ refreshMs: 20 * MINUTE });
    const out: Dispatch[] = [];
    for (let s = 0; s <= 3600; s += 60) {
      at(s * 1000);
      out.push(...g.tick(), ...g.offer(offer('Disk filling')));
    }
    expect(out.map((d) => [(d.at - T0) / MINUTE, d.occurrences])).toEqual([
      [0, 1],
      [20, 19],
      [40, 20],
      [60, 20],
    ]);
    expect(g.pending).toBe(1);
  });

  it('sends the held repeats of a problem that went quiet a window after its last alert', () => {
    const { g, at } = grouper();
    g.offer(offer('Job failed'));
    at(MINUTE);
    g.offer(offer('Job failed'));
    at(2 * MINUTE);
    g.offer(offer('Job failed'));
    at(6 * MINUTE);
    expect(g.tick()).toEqual([]);
    at(7 * MINUTE);
    expect(g.tick()).toMatchObject([{ occurrences: 2, at: T0 + 7 * MINUTE }]);
    at(12 * MINUTE);
    expect(g.tick()).toEqual([]);
    expect(g.size).toBe(0);
  });

  it('sends a change of status or severity at once, with the repeats held back before it', () => {
    const { g, at } = grouper();
    const first = g.offer(offer('Disk full'));
    at(1000);
    const repeat = g.offer(offer('Disk full'));
    at(2000);
    const worse = g.offer(offer('Disk full', { severity: 'critical' }));
    at(3000);
    const resolved = g.offer(offer('Disk full', { severity: 'critical', status: 'resolved' }));
    at(4000);
    const refired = g.offer(offer('Disk full', { severity: 'critical' }));
    expect([first, repeat, worse, resolved, refired].map((d) => d.length)).toEqual([1, 0, 1, 1, 1]);
    expect(worse[0]).toMatchObject({ occurrences: 2, payload: { severity: 'critical' } });
    expect(resolved[0]?.payload).toMatchObject({ status: 'resolved' });
  });

  it('turns more than 50 distinct problems of a cluster in a window into one storm dispatch for the rest', () => {
    const { g, at } = grouper();
    const out: Dispatch[] = [];
    for (let i = 0; i < 200; i++) {
      at(i * 100);
      out.push(...g.offer(offer(`Service ${i} down`)));
    }
    out.push(...g.offer(offer('Other cluster problem', {}, 'prod-us')));
    at(5 * MINUTE);
    out.push(...g.tick());
    const storms = out.filter((d) => d.source === 'storm');
    expect(out.filter((d) => d.source === 'generic')).toHaveLength(51);
    expect(storms).toHaveLength(2);
    expect(storms[0]?.payload).toMatchObject({
      title: 'Alert storm on prod-eu',
      cluster: 'prod-eu',
    });
    expect(String(storms[1]?.payload.message)).toMatch(/^200 problems on prod-eu within 5 min/);
    expect(total(out)).toBe(201);
    expect(g.counts.generic).toMatchObject({ received: 201, grouped: 150 });
  });

  it('keeps the storm on while the next window stays above the threshold, and ends it after a quiet one', () => {
    const { g, at } = grouper({ stormKeys: 5 });
    const burst = (from: number, prefix: string): Dispatch[] => {
      const out: Dispatch[] = [];
      for (let i = 0; i < 10; i++) {
        at(from + i);
        out.push(...g.offer(offer(`${prefix} ${i}`)));
      }
      return out;
    };
    burst(0, 'first');
    g.tick();
    at(5 * MINUTE);
    g.tick();
    // A new window, still stormy: new keys go to the storm at once.
    expect(burst(5 * MINUTE + 1, 'second').filter((d) => d.source === 'generic')).toHaveLength(0);
    at(10 * MINUTE + 1);
    g.tick();
    at(15 * MINUTE + 2);
    g.tick();
    // A quiet window later each new problem is its own dispatch again.
    expect(g.offer(offer('after the storm'))).toMatchObject([
      { source: 'generic', occurrences: 1 },
    ]);
  });

  it('forgets a key quiet for a window, and flush() sends everything held back', () => {
    const { g, at } = grouper();
    g.offer(offer('A'));
    g.offer(offer('B'));
    at(1000);
    g.offer(offer('B'));
    expect(g.pending).toBe(1);
    expect(total(g.flush())).toBe(1);
    at(6 * MINUTE);
    g.tick();
    expect(g.size).toBe(0);
  });
});
