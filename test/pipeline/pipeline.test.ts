// The reusable workflow end to end, over both emulators: its jobs, their order, their
// conditions, the matrix and the data passed between jobs are read from
// .github/workflows/kubemend.yml by the workflow runner, never restated here. Each step
// that uses a kubemend action runs the bundled action as the runner runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecord } from '../../src/incidents/record.js';
import { events } from '../emulators/github/events.js';
import type { GitHubEmulator } from '../emulators/github/server.js';
import type { KubeEmulator } from '../emulators/kube/server.js';
import { repoRoot } from '../harness/run-action.js';
import { pool, PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { ALERT, callerRepository, startEmulators } from './support.js';
import { runWorkflow, type JobRecord } from './workflow-runner.js';

const WORKFLOW = join(repoRoot, '.github/workflows/kubemend.yml');
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

function dispatch(
  repository: string,
  inputs: Record<string, unknown> = {},
): Promise<Record<string, JobRecord>> {
  return runWorkflow(WORKFLOW, {
    inputs,
    secrets: { kubeconfig: kube.kubeconfig() },
    repository,
    event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
    github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
    env: { ...PACE, GITHUB_SHA: repo().resolve('main') ?? '', GITHUB_REF: 'refs/heads/main' },
  });
}

const statusComments = (n: number) =>
  repo()
    .commentsOn(n)
    .filter((c) => c.body.startsWith('<!-- kubemend:status -->'));

describe('the reusable workflow', () => {
  it('registry outage: 215 dispatches over time → one incident → triage → remediation → verified → merged', async () => {
    // Budgets wide enough for the runs of the outage that act after each cooldown.
    const caller = callerRepository(kube, {
      guardrails: {
        cooldown: '10s',
        'recurrence-limit': 50,
        'rate-limit': 500,
        'playbook-rate-limit': 500,
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
    expect(statusComments(number)).toHaveLength(1);
    // Every occurrence is counted in the record, moved to alerts/resolved/ on main.
    const main = repo().git.commits.get(repo().resolve('main')!)!.tree;
    const path = [...repo().git.files(main).keys()].find((p) => p.startsWith('alerts/resolved/'));
    expect(parseRecord(repo().readFile('main', path!)!)?.occurrences).toBe(215);
  }, 600_000);

  it('dry-run: the same incident ends with the diffs shown, kubemend/dry-run, and nothing merged', async () => {
    const caller = callerRepository(kube);
    const run = await dispatch(caller, { mode: 'dry-run' });
    const number = Number(run.intake?.outputs['incident-number']);
    expect(run.remediate?.result).toBe('success');
    expect(run.report?.runs[0]?.steps.at(-1)?.outputs).toMatchObject({
      state: 'dry-run',
      merged: 'false',
    });
    const [comment] = statusComments(number);
    expect(comment?.body).toMatch(
      /<details><summary>image-pull: changes the API server accepted as a dry run<\/summary>/,
    );
    expect(comment?.body).toMatch(
      /delete shop\/Pod\/storefront-\S+ \(dry run\)\n {2}deleted: the API server accepted the deletion/,
    );
    expect(repo().issues.get(number)!.labels).toContain('kubemend/dry-run');
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);
    expect(kube.writes()).toEqual([]);
  }, 120_000);

  it('with no work (a resolved notification), skips remediation and still reports', async () => {
    const caller = callerRepository(kube);
    await dispatch(caller);
    const resolved = await runWorkflow(WORKFLOW, {
      secrets: { kubeconfig: kube.kubeconfig() },
      repository: caller,
      event: {
        name: 'repository_dispatch',
        payload: events.repositoryDispatch(REPOSITORY, { ...ALERT, status: 'resolved' }),
      },
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: repo().resolve('main') ?? '', GITHUB_REF: 'refs/heads/main' },
    });
    expect(resolved.triage?.outputs['has-work']).toBe('false');
    expect(resolved.remediate?.result).toBe('skipped');
    expect(resolved.report?.result).toBe('success');
  }, 120_000);
});
