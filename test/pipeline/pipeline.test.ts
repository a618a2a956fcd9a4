// The reusable workflow end to end, over both emulators: its jobs, their order, their
// conditions, the matrix and the data passed between jobs are read from
// .github/workflows/kubemend.yml by the workflow runner, never restated here. Each step
// that uses a kubemend action runs the bundled action as the runner runs it. The
// 215-dispatch outage is in storm.heavy.test.ts.
import { events } from '../../src/sim/github/events.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import {
  ALERT,
  callerRepository,
  dispatchAlert,
  startEmulators,
  statusComments,
  WORKFLOW,
} from './support.js';
import { runWorkflow } from '../../src/rehearse/workflow.js';

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

const dispatch = (repository: string, inputs: Record<string, unknown> = {}) =>
  dispatchAlert({ gh, kube }, repository, inputs);

describe('the reusable workflow', () => {
  it('dry-run: the same incident ends with the diffs shown, kubemend/dry-run, and nothing merged', async () => {
    const caller = callerRepository(kube);
    const run = await dispatch(caller, { mode: 'dry-run' });
    const number = Number(run.intake?.outputs['incident-number']);
    expect(run.remediate?.result).toBe('success');
    expect(run.report?.runs[0]?.steps.at(-1)?.outputs).toMatchObject({
      state: 'dry-run',
      merged: 'false',
    });
    const [comment] = statusComments(gh, number);
    expect(comment?.body).toMatch(
      /<details><summary>image-pull: changes the API server accepted as a dry run<\/summary>/,
    );
    expect(comment?.body).toMatch(
      /delete shop\/Pod\/storefront-\S+ \(dry run\)\n {2}deleted: the API server accepted the deletion/,
    );
    expect(repo().issues.get(number)!.labels).toContain('kubemend/dry-run');
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);
    expect(kube.writes()).toEqual([]);
  });

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
  });
});
