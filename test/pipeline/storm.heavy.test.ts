// The reusable workflow through a registry outage: 215 dispatches of one alert, eight
// workflow runs at a time, over both emulators (see pipeline.test.ts for how the
// workflow runner reads .github/workflows/kubemend.yml). Heavy: `npm run test:heavy`.
import { readFileSync } from 'node:fs';
import { parseRecord } from '../../src/incidents/record.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { pool, REPOSITORY } from '../intake/support.js';
import { callerRepository, dispatchAlert, startEmulators, statusComments } from './support.js';

let gh: GitHubEmulator;
let kube: KubeEmulator;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  ({ gh, kube } = await startEmulators());
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

const dispatch = (repository: string) => dispatchAlert({ gh, kube }, repository);

describe('the reusable workflow', () => {
  it('registry outage: 215 dispatches over time → one incident → triage → remediation → verified → merged', async () => {
    // Budgets the outage should not reach: one run acts after each cooldown, so a small
    // budget would bind once a loaded machine stretches the outage past that many
    // cooldowns, and the last run would be refused. The ledger keeps the cluster's time,
    // which runs 60 times faster here: a 10-minute cooldown is 10 s of the test's. The
    // recurrence limit is at the schema's maximum (100: over 16 minutes of outage at one
    // action per cooldown).
    const caller = callerRepository(kube, {
      guardrails: {
        cooldown: '10m',
        'recurrence-limit': 100,
        'rate-limit': 1000,
        'playbook-rate-limit': 1000,
      },
    });
    // The outage: 214 firing dispatches, eight workflow runs at a time.
    const outage = await pool(
      Array.from({ length: 214 }, () => () => dispatch(caller)),
      8,
    );
    const numbers = new Set(outage.map((run) => run.intake?.outputs['incident-number']));
    expect(numbers.size).toBe(1);
    const number = Number([...numbers][0]);
    // The first run's remediation acted while Docker Hub was down: the cluster said unchanged.
    const acted = outage
      .flatMap((r) => r.remediate?.runs ?? [])
      .filter((run) => run.steps.some((s) => s.outputs.outcome === 'unchanged'));
    expect(acted.length).toBeGreaterThan(0);
    // Later runs met the cooldown (in progress) or the unchanged cluster (needs a human).
    expect(repo().issues.get(number)!.labels).not.toContain('kubemend/resolved');
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);

    // Docker Hub comes back as kubemend next deletes a stuck pod, after the cooldown.
    await new Promise((r) => setTimeout(r, 10_500));
    kube.onAnswer = (entry) => {
      if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['docker.io'] = 'ok';
    };
    const last = await dispatch(caller);
    expect(last.intake?.outputs['incident-number']).toBe(String(number));
    expect(JSON.parse(last.triage?.outputs.matrix ?? '{}').include).toEqual([
      expect.objectContaining({ playbook: 'image-pull', incident: number }),
    ]);
    const remediation = last.remediate?.runs[0]?.steps.find((s) => s.uses.includes('/remediate@'));
    const result = JSON.parse(readFileSync(remediation?.outputs['result-path'] ?? '', 'utf8')) as {
      outcome: string;
      reason: string;
    };
    expect({ outcome: result.outcome, reason: result.reason }).toEqual({
      outcome: 'resolved',
      reason: expect.stringMatching(/^no pod is stuck pulling after \d+ check/),
    });
    const reportStep = last.report?.runs[0]?.steps.at(-1);
    expect(reportStep?.outputs).toMatchObject({ state: 'resolved', merged: 'true' });

    const pull = repo().issues.get(number)!;
    expect(pull.pull?.merged).toBe(true);
    expect(pull.labels).toContain('kubemend/resolved');
    expect(pull.labels).not.toContain('kubemend/needs-human');
    expect([...repo().issues.values()].filter((i) => i.pull)).toHaveLength(1);
    expect(statusComments(gh, number)).toHaveLength(1);
    // Every occurrence is counted in the record, moved to alerts/resolved/ on main.
    const main = repo().git.commits.get(repo().resolve('main')!)!.tree;
    const path = [...repo().git.files(main).keys()].find((p) => p.startsWith('alerts/resolved/'));
    expect(parseRecord(repo().readFile('main', path!)!)?.occurrences).toBe(215);
  });
});
