// The relay's budgets: alerts per second through the grouper on one core, latency from
// POST to queued over HTTP, dispatches per 1,000 alerts, memory per held key.
// Baselines in the same process: intake's own normalisePayload alone (what every alert
// costs anyway) for throughput; one dispatch per alert (a relay without grouping) for
// dispatches. The real Octokit talks over HTTP to the GitHub emulator in this process.
// Knobs: BENCH_RUNS (median of, default 5), BENCH_KEYS (default 100000).
// Run: npm run bench:relay
import { normalisePayload } from '../src/alerts/shapes.js';
import { createGitHubClient } from '../src/github/client.js';
import type { RelayClock } from '../src/relay/clock.js';
import { Grouper, type Offer } from '../src/relay/grouper.js';
import { silentLog } from '../src/relay/log.js';
import { offersOf } from '../src/relay/payloads.js';
import { Relay } from '../src/relay/relay.js';
import { RelayServer } from '../src/relay/server.js';
import { startGitHubEmulator } from '../src/sim/github/server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5) || 5;
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000) || 100_000;
const TOKEN = 'bench-relay-token';
const T0 = Date.parse('2026-12-01T03:00:00Z');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function webhook(
  alertname: string,
  cluster = 'prod-eu',
  status: 'firing' | 'resolved' = 'firing',
): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    status,
    commonLabels: { cluster },
    alerts: [
      {
        status,
        labels: {
          alertname,
          namespace: 'shop',
          pod: 'store-front-7d9f8b6c4-xk2pq',
          severity: 'warning',
        },
        annotations: { summary: `${alertname} in shop` },
        startsAt: '2026-12-01T03:00:00Z',
      },
    ],
  };
}

/** Alerts per second: normalise only (baseline), grouper only, and the relay's full read. */
function throughput(): void {
  const N = 200_000;
  const bodies = Array.from({ length: 1000 }, (_, i) => webhook(`Problem${i % 20}`));
  const offers: Offer[] = bodies.flatMap((b) =>
    offersOf(b, 'alertmanager', { cluster: undefined }),
  );
  const rate = (run: () => void, n: number): number => {
    const start = process.hrtime.bigint();
    run();
    return n / (Number(process.hrtime.bigint() - start) / 1e9);
  };
  const baseline: number[] = [];
  const grouped: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    baseline.push(
      rate(() => {
        for (let i = 0; i < N / 4; i++) normalisePayload(bodies[i % 1000], { cluster: undefined });
      }, N / 4),
    );
    let now = T0;
    const g = new Grouper({}, () => now);
    grouped.push(
      rate(() => {
        for (let i = 0; i < N; i++) {
          now = T0 + i * 10;
          g.offer(offers[i % 1000]!);
          if (i % 1000 === 0) g.tick();
        }
      }, N),
    );
    const g2 = new Grouper({}, () => now);
    full.push(
      rate(() => {
        for (let i = 0; i < N / 4; i++) {
          now = T0 + i * 10;
          for (const o of offersOf(bodies[i % 1000], 'alertmanager', { cluster: undefined }))
            g2.offer(o);
        }
      }, N / 4),
    );
  }
  console.log('Throughput, one core (median of %d runs):', RUNS);
  console.log(`  intake's normalisePayload alone (baseline): ${fmt(median(baseline))} alerts/s`);
  console.log(`  grouper.offer alone:                        ${fmt(median(grouped))} alerts/s`);
  console.log(
    `  read + normalise + group (the relay's path): ${fmt(median(full))} alerts/s (${fmt(median(full) / median(baseline), 2)}x the baseline)`,
  );
}

/**
 * Dispatches per 1,000 alerts over 10 minutes: each problem fires, repeats, and its last
 * notification resolves it (one problem per alert is the worst case: a storm).
 */
function dispatchesPer1000(): void {
  const count = (problems: number): number => {
    let now = T0;
    const g = new Grouper({}, () => now);
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      now = T0 + i * 600;
      n += g.tick().length;
      const status = problems < 1000 && i >= 1000 - problems ? 'resolved' : 'firing';
      for (const o of offersOf(
        webhook(`Problem${i % problems}`, 'prod-eu', status),
        'alertmanager',
        {
          cluster: undefined,
        },
      ))
        n += g.offer(o).length;
    }
    now += 600;
    return n + g.flush().length;
  };
  console.log('Dispatches per 1,000 alerts over 10 minutes (baseline, no grouping: 1,000):');
  for (const problems of [1, 20, 200, 1000])
    console.log(
      `  ${String(problems).padStart(4)} problems: ${count(problems)} dispatches (${fmt(1000 / count(problems), 1)}x fewer)`,
    );
}

/** Heap per key held: distinct problems spread over clusters (no storm), and on one cluster. */
function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = (clusters: number): number => {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    let now = T0;
    const g = new Grouper({}, () => now);
    for (let i = 0; i < KEYS; i++) {
      now = T0 + i;
      const [offer] = offersOf(webhook(`Problem${i}`, `c${i % clusters}`), 'alertmanager', {
        cluster: undefined,
      });
      g.offer(offer!);
    }
    gc?.();
    const used = process.memoryUsage().heapUsed - before;
    if (g.size < 0) console.log(g.size); // keep g alive until measured
    return used;
  };
  const spread = measure(Math.ceil(KEYS / 50));
  const storm = measure(1);
  console.log(`Memory with ${fmt(KEYS)} distinct keys${gc ? '' : ' (no --expose-gc: rough)'}:`);
  console.log(
    `  held one by one (≤ 50 per cluster): ${fmt(spread / 2 ** 20, 1)} MiB, ${fmt(spread / KEYS)} bytes/key`,
  );
  console.log(
    `  on one cluster (a storm):           ${fmt(storm / 2 ** 20, 1)} MiB, ${fmt(storm / KEYS)} bytes/key`,
  );
}

/** POST to 202 over loopback, sequential and 16 at a time, dispatches going to the emulator. */
async function latency(): Promise<void> {
  const gh = await startGitHubEmulator({ budget: 10_000_000, validate: false });
  const { octokit } = createGitHubClient({
    token: 'ghs_bench',
    baseUrl: gh.url,
    retries: 0,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    warn: () => {},
  });
  const clock: RelayClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const relay = new Relay({
    octokit,
    repository: 'octo-org/gitops',
    clock,
    log: silentLog,
    perMinute: 1_000_000,
  });
  const server = await new RelayServer({
    relay,
    tokens: [TOKEN],
    log: silentLog,
    clock,
    perClientPerMinute: 100_000_000,
  }).listen(0);
  relay.start();
  const post = async (i: number): Promise<number> => {
    const start = performance.now();
    const res = await fetch(`${server.url}/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(webhook(`Problem${i % 20}`)),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`relay answered ${res.status}`);
    return performance.now() - start;
  };
  for (let i = 0; i < 200; i++) await post(i); // warm up
  const sequential: number[] = [];
  for (let i = 0; i < 3000; i++) sequential.push(await post(i));
  const parallel: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < 3000) parallel.push(await post(next++));
    }),
  );
  console.log('Latency from POST to 202 (queued), loopback:');
  console.log(
    `  one at a time: p50 ${fmt(quantile(sequential, 0.5), 2)} ms, p99 ${fmt(quantile(sequential, 0.99), 2)} ms`,
  );
  console.log(
    `  16 at a time:  p50 ${fmt(quantile(parallel, 0.5), 2)} ms, p99 ${fmt(quantile(parallel, 0.99), 2)} ms`,
  );
  relay.deliverer.stop();
  await server.close();
  await gh.close();
}

throughput();
dispatchesPer1000();
memory();
await latency();
