// The all-in-one action (the root action.yml), bundled and run as the runner runs it,
// over both emulators: one step records the alert, triages it, runs its playbooks in
// turn and reports; the simulated cluster decides whether the incident is merged.
import { events } from '../../src/sim/github/events.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { createGitHubClient } from '../../src/github/client.js';
import { updateControls } from '../../src/incidents/records.js';
import { applyCommand, controlsOf, type Command } from '../../src/incidents/controls.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { ALERT, callerRepository, startEmulators } from './support.js';

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

const workspace = (playbooks: object) => callerRepository(kube, { playbooks });

const allInOne = (
  dir: string,
  inputs: Record<string, string> = {},
  alert: object = ALERT,
): Promise<ActionRun> =>
  runAction('./', {
    inputs: { kubeconfig: kube.kubeconfig(), ...inputs },
    event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, alert) },
    repository: REPOSITORY,
    apiUrl: gh.url,
    githubToken: TOKEN,
    workspace: dir,
    env: { ...PACE, GITHUB_SHA: repo().resolve('main') ?? '', GITHUB_REF: 'refs/heads/main' },
    timeoutMs: 300_000,
  });

describe('the all-in-one action', () => {
  it('finishes at once an incident whose alert resolved with no stable window, once the cluster shows it healthy', async () => {
    const ws = callerRepository(kube, {
      playbooks: { 'image-pull': { mode: 'dry-run' } },
      intake: { 'stable-window': '0s' },
    });
    const first = await allInOne(ws);
    const number = Number(first.outputs['incident-number']);
    expect(first.outputs.state).toBe('dry-run');
    // Docker Hub comes back and the kubelet pulls again: healthy without kubemend's action.
    kube.sim.facts.registries['docker.io'] = 'ok';
    kube.advance(15 * 60_000);
    const resolved = await allInOne(ws, {}, { ...ALERT, status: 'resolved' });
    expect(resolved.exitCode).toBe(0);
    expect(resolved.outputs).toMatchObject({ state: 'recovered', merged: 'true' });
    const incident = repo().issues.get(number)!;
    expect(incident.labels).toContain('kubemend/recovered');
    expect(incident.labels).not.toContain('kubemend/dry-run');
    expect(incident.body).toMatch(/^\| State \| recovered since /m);
  });

  it('takes a registry-outage alert to a merged incident in one step once the cluster is healthy', async () => {
    // Docker Hub is back by the time kubemend deletes the first stuck pod.
    kube.onAnswer = (entry) => {
      if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['docker.io'] = 'ok';
    };
    const run = await allInOne(workspace({ 'image-pull': { mode: 'auto' } }));
    expect(run.exitCode).toBe(0);
    const number = Number(run.outputs['incident-number']);
    expect(run.outputs).toMatchObject({ state: 'resolved', merged: 'true' });
    expect(JSON.parse(run.outputs.matrix ?? '{}').include).toEqual([
      expect.objectContaining({ playbook: 'image-pull', incident: number }),
    ]);
    // Only the all-in-one's own outputs reach the step, not each stage's.
    expect(Object.keys(run.outputs).sort()).toEqual([
      'comment-url',
      'incident-number',
      'incident-url',
      'incidents',
      'matrix',
      'merged',
      'state',
    ]);
    const incident = repo().issues.get(number)!;
    expect(incident.pull?.merged).toBe(true);
    expect(incident.labels).toContain('kubemend/resolved');
    // The cluster decides: no storefront pod is left stuck pulling.
    const pods = kube.store
      .list(resourceForKind('v1', 'Pod')!)
      .filter((p) => p.metadata.namespace === 'shop') as (KObject & {
      status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] };
    })[];
    expect(
      pods.filter((p) =>
        (p.status?.containerStatuses ?? []).some((s) =>
          /ImagePull/.test(s.state?.waiting?.reason ?? ''),
        ),
      ),
    ).toEqual([]);
    // One step, and the summary holds each stage's part.
    expect(run.summary).toMatch(/kubemend triage/);
    expect(run.summary).toMatch(/\| image-pull \|/);
    expect(run.masks).toContain(kube.kubeconfig());
  });

  it('in dry-run changes nothing on the cluster, keeps one status comment over three runs, and merges nothing', async () => {
    const dir = workspace({});
    const runs: ActionRun[] = [];
    for (let i = 0; i < 3; i++) runs.push(await allInOne(dir));
    const numbers = new Set(runs.map((r) => r.outputs['incident-number']));
    expect(numbers.size).toBe(1);
    const number = Number([...numbers][0]);
    for (const run of runs) {
      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ state: 'dry-run', merged: 'false' });
    }
    expect(
      repo()
        .commentsOn(number)
        .filter((c) => c.body.startsWith('<!-- kubemend:status -->')),
    ).toHaveLength(1);
    expect(repo().issues.get(number)!.labels).toContain('kubemend/dry-run');
    expect(kube.writes()).toEqual([]);
  });

  it('honours the record: a snooze runs no playbook, and autoclose off leaves a healthy incident open', async () => {
    const ws = workspace({ 'image-pull': { mode: 'auto' } });
    const first = await allInOne(ws, { mode: 'dry-run' });
    const number = Number(first.outputs['incident-number']);
    const target = {
      ...createGitHubClient({ token: TOKEN, baseUrl: gh.url }),
      owner: 'octo-org',
      repo: 'gitops',
      number,
    };
    const at = new Date().toISOString();
    const say = (command: Command) =>
      updateControls(
        target,
        (c) => applyCommand(controlsOf({ controls: c }), command, 'alice', at),
        'test',
      );
    await say({ verb: 'snooze', arg: new Date(Date.now() + 3_600_000).toISOString() });
    const snoozed = await allInOne(ws);
    expect(snoozed.outputs.state).toBe('snoozed');
    expect(repo().issues.get(number)?.labels).toContain('kubemend/snoozed');
    expect(kube.writes()).toEqual([]);
    expect(snoozed.summary).toMatch(/snoozed until \S+ \S{1,2}\/kubemend snooze on #/);

    await say({ verb: 'snooze', arg: new Date(Date.now() - 1000).toISOString() });
    await say({ verb: 'autoclose', arg: 'off' });
    kube.onAnswer = (entry) => {
      if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['docker.io'] = 'ok';
    };
    const healthy = await allInOne(ws);
    expect(healthy.outputs).toMatchObject({ state: 'resolved', merged: 'false' });
    expect(repo().issues.get(number)?.state).toBe('open');
    expect(healthy.summary).toContain('Left open: autoclose is off for this incident');
  });

  it('after /kubemend dry-run, a playbook in auto only shows what it would change', async () => {
    const ws = workspace({ 'image-pull': { mode: 'auto' } });
    const number = Number((await allInOne(ws, { mode: 'dry-run' })).outputs['incident-number']);
    const target = {
      ...createGitHubClient({ token: TOKEN, baseUrl: gh.url }),
      owner: 'octo-org',
      repo: 'gitops',
      number,
    };
    await updateControls(
      target,
      (c) =>
        applyCommand(
          controlsOf({ controls: c }),
          { verb: 'dry-run', arg: null },
          'alice',
          new Date().toISOString(),
        ),
      'test',
    );
    const run = await allInOne(ws);
    expect(run.outputs.state).toBe('dry-run');
    expect(kube.writes()).toEqual([]);
  });

  it('stops with one error line naming the input when the kubeconfig is missing, and records nothing', async () => {
    const run = await runAction('./', {
      inputs: {},
      event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
      repository: REPOSITORY,
      apiUrl: gh.url,
      githubToken: TOKEN,
      workspace: workspace({}),
      env: PACE,
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        message:
          "Input 'kubeconfig' is required: pass the kubeconfig of the kubemend-remediate identity from a secret.",
      }),
    ]);
    expect([...repo().issues.values()]).toEqual([]);
  });
});
