// The promise intake exists for: however many runs fire at once, one incident per
// problem, and every occurrence counted. Each run is a separate process of the bundled
// action, as parallel workflow runs are: heavy, so `npm run test:heavy` runs it.
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import {
  branchOf,
  dispatch,
  expectSuccess,
  generic,
  pool,
  recordOf,
  recordOn,
  REPOSITORY,
} from './support.js';

let gh: GitHubEmulator;
beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
});
afterEach(async () => {
  await gh.close();
});

const incidentsOf = (mode: 'pr' | 'issue') =>
  mode === 'pr' ? gh.repo(REPOSITORY).openPulls() : gh.repo(REPOSITORY).openIssues();

describe.each(['pr', 'issue'] as const)('in %s mode', (mode) => {
  it('50 concurrent runs for one problem leave one open incident counting 50 occurrences', async () => {
    const runs = await Promise.all(
      Array.from({ length: 50 }, () => dispatch(gh, generic(), { mode, timeoutMs: 600_000 })),
    );
    runs.forEach(expectSuccess);
    expect(incidentsOf(mode)).toHaveLength(1);
    expect(runs.filter((r) => r.outputs['created'] === 'true')).toHaveLength(1);
    const numbers = new Set(runs.map((r) => r.outputs['incident-number']));
    expect([...numbers]).toEqual([String(incidentsOf(mode)[0]!.number)]);
    const record = recordOf(gh, runs[0]!);
    expect(record.occurrences).toBe(50);
    // Only the run that opened the incident pinged anyone: no comments on repeats.
    expect(gh.repo(REPOSITORY).commentsOn(incidentsOf(mode)[0]!.number)).toHaveLength(0);
  });

  it('20 problems × 50 interleaved dispatches leave 20 incidents, each counting 50', async () => {
    const problems = Array.from({ length: 20 }, (_, i) =>
      generic({ title: `Problem ${i} in checkout`, namespace: `ns-${i}` }),
    );
    const order = problems.flatMap((p) => Array.from({ length: 50 }, () => p));
    // Interleaved: a fixed shuffle, so a failure can be replayed.
    let seed = 42;
    for (let i = order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const runs = await pool(
      order.map((payload) => () => dispatch(gh, payload, { mode, timeoutMs: 600_000 })),
      40,
    );
    runs.forEach(expectSuccess);
    expect(incidentsOf(mode)).toHaveLength(20);
    expect(runs.filter((r) => r.outputs['created'] === 'true')).toHaveLength(20);
    const byPath = new Map<string, string>();
    for (const r of runs) {
      byPath.set(r.outputs['record-path']!, branchOf(r));
    }
    expect(byPath.size).toBe(20);
    for (const [path, branch] of byPath) expect(recordOn(gh, branch, path).occurrences).toBe(50);
  });
});
