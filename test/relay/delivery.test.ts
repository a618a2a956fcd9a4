// The relay end to end on loopback: alerts POSTed to its HTTP server, dispatches taken
// by the GitHub emulator through the real Octokit, minutes passing on a manual clock.
import { startGitHubEmulator } from '../../src/sim/github/server.js';
import { dispatches, occurrencesOf, post, startRelay, webhook, type Harness } from './support.js';

const MINUTE = 60_000;

describe('the relay', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('turns 1,000 alerts for 20 problems over 10 minutes into one firing and one resolved dispatch per problem, carrying all 1,000 occurrences', async () => {
    h = await startRelay();
    for (let i = 0; i < 1000; i++) {
      if (i > 0) {
        await h.clock.advance(600);
        h.relay.tick();
      }
      // Each problem fires 49 times, then its 50th notification says it resolved.
      const status = i >= 980 ? 'resolved' : 'firing';
      const res = await post(
        `${h.server.url}/alertmanager`,
        webhook([{ alertname: `Problem${i % 20}`, status }]),
      );
      expect(res.status).toBe(202);
    }
    await h.clock.advance(1000);
    expect(h.relay.grouper.pending).toBe(0);
    const all = dispatches(h.gh);
    expect(all.length).toBeLessThanOrEqual(40);
    expect(occurrencesOf(all)).toBe(1000);
    const perProblem = new Map<string, { statuses: string[]; occurrences: number }>();
    for (const d of all) {
      const [alert] = d.clientPayload.alerts as { status: string; labels: { alertname: string } }[];
      const seen = perProblem.get(alert!.labels.alertname) ?? { statuses: [], occurrences: 0 };
      seen.statuses.push(alert!.status);
      seen.occurrences += Number(d.clientPayload.kubemend_occurrences);
      perProblem.set(alert!.labels.alertname, seen);
    }
    expect(perProblem.size).toBe(20);
    for (const seen of perProblem.values())
      expect(seen).toEqual({ statuses: ['firing', 'resolved'], occurrences: 50 });
    for (const d of all) expect(Object.keys(d.clientPayload).length).toBeLessThanOrEqual(10);
  });

  it('loses nothing while GitHub answers 502 for 5 minutes, and delivers each problem’s changes in order', async () => {
    h = await startRelay();
    h.gh.inject('repos/create-dispatch-event', { status: 502 }, 1_000_000);
    const sequence: [string, 'firing' | 'resolved'][] = [];
    for (let round = 0; round < 4; round++) {
      for (const name of ['DiskFull', 'NodeDown', 'ImagePull']) {
        const status = round % 2 === 0 ? 'firing' : 'resolved';
        sequence.push([name, status]);
        expect(
          (await post(`${h.server.url}/alertmanager`, webhook([{ alertname: name, status }])))
            .status,
        ).toBe(202);
        await h.clock.advance(10_000);
      }
    }
    await h.clock.advance(5 * MINUTE);
    expect(dispatches(h.gh)).toHaveLength(0);
    expect(h.relay.queue.size).toBe(12);
    expect(h.relay.deliverer.retries).toBeGreaterThan(5);
    h.gh.clearFaults();
    // The back-off is capped at a minute: within two, the queue is through.
    await h.clock.advance(2 * MINUTE);
    const delivered = dispatches(h.gh).map((d) => {
      const [alert] = d.clientPayload.alerts as { status: string; labels: { alertname: string } }[];
      return [alert!.labels.alertname, alert!.status];
    });
    expect(delivered).toEqual(sequence);
    expect(h.relay.deliverer.failed.alertmanager).toBe(0);
  });

  it('drops a dispatch GitHub refuses with a 4xx other than 429, counts it, and goes on', async () => {
    h = await startRelay();
    h.gh.inject('repos/create-dispatch-event', { status: 422, message: 'Validation Failed' }, 1);
    await post(`${h.server.url}/v1/alerts`, { title: 'First', cluster: 'c1' });
    await post(`${h.server.url}/v1/alerts`, { title: 'Second', cluster: 'c1' });
    await h.clock.advance(10_000);
    expect(dispatches(h.gh).map((d) => d.clientPayload.title)).toEqual(['Second']);
    expect(h.relay.deliverer.failed.generic).toBe(1);
  });

  it.each([429, 403] as const)(
    'waits the Retry-After of a secondary rate limit (%i) before trying again, however short its own back-off',
    async (status) => {
      h = await startRelay();
      // Longer than the client waits by itself (60 s): the relay's back-off must honour it.
      h.gh.inject(
        'repos/create-dispatch-event',
        { secondaryRateLimit: { retryAfter: 120, status } },
        1,
      );
      await post(`${h.server.url}/v1/alerts`, { title: 'Disk full', cluster: 'c1' });
      const attempts = () => h!.gh.requests('repos/create-dispatch-event').length;
      await h.clock.advance(119_000);
      expect(attempts()).toBe(1);
      expect(dispatches(h.gh)).toHaveLength(0);
      await h.clock.advance(2_000);
      expect(dispatches(h.gh).map((d) => d.clientPayload.title)).toEqual(['Disk full']);
    },
  );

  it('waits for the reset of an exhausted rate limit before trying again', async () => {
    h = await startRelay();
    h.gh.setRemaining(0);
    await post(`${h.server.url}/v1/alerts`, { title: 'Disk full', cluster: 'c1' });
    const attempts = () => h!.gh.requests((r) => r.path === '/repos/octo-org/gitops/dispatches');
    await h.clock.advance(59 * MINUTE);
    expect(attempts().map((r) => r.status)).toEqual([403]);
    // The hour passes on GitHub's side too: a fresh budget.
    h.gh.clock.advance(61 * MINUTE);
    await h.clock.advance(2 * MINUTE);
    expect(dispatches(h.gh).map((d) => d.clientPayload.title)).toEqual(['Disk full']);
  });

  it('sends at most one duplicate dispatch per open problem across a restart', async () => {
    let atRestart = 0;
    const traffic = async (harness: Harness, restartAt?: number): Promise<void> => {
      for (let i = 0; i < 400; i++) {
        if (i === restartAt) {
          // SIGTERM: the old relay sends what it held back, then a new one starts cold.
          const draining = harness.relay.drain(MINUTE);
          await harness.clock.advance(1000);
          await draining;
          atRestart = dispatches(harness.gh).length;
          await harness.restart();
        }
        await post(
          `${harness.server.url}/alertmanager`,
          webhook([{ alertname: `Problem${i % 20}` }]),
        );
        await harness.clock.advance(500);
        harness.relay.tick();
      }
      const draining = harness.relay.drain(MINUTE);
      await harness.clock.advance(MINUTE);
      await draining;
    };
    const baseline = await startRelay();
    try {
      await traffic(baseline);
    } finally {
      await baseline.close();
    }
    h = await startRelay();
    await traffic(h, 200);
    const once = dispatches(baseline.gh);
    const twice = dispatches(h.gh);
    expect(occurrencesOf(once)).toBe(400);
    expect(occurrencesOf(twice)).toBe(400);
    // A duplicate: the new relay repeating, for a problem, what the old one already sent
    // (same status, no held-back count): its cold start's first dispatch of each key.
    const name = (d: { clientPayload: Record<string, unknown> }): string =>
      (d.clientPayload.alerts as { labels: { alertname: string } }[])[0]!.labels.alertname;
    const before = new Set(twice.slice(0, atRestart).map(name));
    const seen = new Set<string>();
    const duplicates = twice.slice(atRestart).filter((d) => {
      const key = name(d);
      const first = !seen.has(key);
      seen.add(key);
      return first && before.has(key) && d.clientPayload.kubemend_occurrences === 1;
    });
    expect(before.size).toBe(20);
    expect(duplicates.length).toBeGreaterThan(0);
    expect(duplicates.length).toBeLessThanOrEqual(20);
    // Besides the duplicates, the restart costs the drain's flush of held-back repeats:
    // at most one more dispatch per problem, carrying counts, not repeating them.
    expect(twice.length - once.length).toBeLessThanOrEqual(40);
  });
});

describe('the relay on an emulator shared by two relays', () => {
  it('lets a second relay start on the same repository', async () => {
    const gh = await startGitHubEmulator({ budget: 1_000_000 });
    const a = await startRelay({}, gh);
    const b = await startRelay({}, gh);
    try {
      await post(`${a.server.url}/v1/alerts`, { title: 'From A', cluster: 'c1' });
      await post(`${b.server.url}/v1/alerts`, { title: 'From B', cluster: 'c1' });
      await a.clock.advance(1000);
      await b.clock.advance(1000);
      expect(
        dispatches(gh)
          .map((d) => d.clientPayload.title)
          .sort(),
      ).toEqual(['From A', 'From B']);
    } finally {
      await a.close();
      await b.close();
      await gh.close();
    }
  });
});
