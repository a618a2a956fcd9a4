// The bundled remediate action refuses, run as the runner runs it on the registry-outage
// scenario (see action-support.ts): identity, cooldown, recurrence, storm and namespace
// guardrails, each decided by the action against the simulated cluster. Heavy: each case
// settles the 30-pod outage and most run the action twice (a minute of wall time in all);
// the same guardrails are decided in one process in guardrails.test.ts.
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import * as action from './action-support.js';
import { refused, type Remediation } from './action-support.js';

let kube: KubeEmulator;

afterEach(async () => {
  await kube.close();
});

async function cluster(scenario: string): Promise<void> {
  kube = await action.scenarioCluster(scenario);
}

const kubeSystemUid = () => action.kubeSystemUid(kube);

const workspace = (config?: Record<string, unknown>, identity?: 'match' | 'other' | 'none') =>
  action.remediateWorkspace(kube, config, identity);

const remediate = (
  playbook: string,
  targets: Record<string, unknown>,
  options?: Parameters<typeof action.remediate>[3],
): Promise<Remediation> => action.remediate(kube, playbook, targets, options);

describe('the remediate action refuses', () => {
  it('to write anything when the cluster identity does not match the config', async () => {
    await cluster('registry-outage');
    const { result } = await remediate(
      'image-pull',
      { namespace: 'shop' },
      {
        mode: 'auto',
        workspace: workspace({}, 'other'),
      },
    );
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toMatch(/cluster identity mismatch/);
    expect(kube.writes()).toEqual([]);
  });

  it('to write anything with no identity configured, and prints the values to paste', async () => {
    await cluster('registry-outage');
    const { run, result } = await remediate(
      'image-pull',
      { namespace: 'shop' },
      {
        mode: 'auto',
        workspace: workspace({}, 'none'),
      },
    );
    expect(result.outcome).toBe('skipped');
    expect(kube.writes()).toEqual([]);
    expect(run.summary).toContain(`kube-system-uid: ${kubeSystemUid()}`);
    expect(run.annotations).toContainEqual(expect.objectContaining({ level: 'notice' }));
  });

  it('a second run on the same workloads within the cooldown', async () => {
    await cluster('registry-outage');
    await remediate('image-pull', { namespace: 'shop' }, { mode: 'auto' });
    const { result } = await remediate(
      'image-pull',
      { namespace: 'shop' },
      { mode: 'auto', id: 'b2c3d4e5' },
    );
    expect(refused(result).map((d) => d.guardrail)).toEqual(['cooldown', 'cooldown']);
    expect(result.actions).toEqual([]);
  });

  it('a target fixed and back more often than the recurrence limit', async () => {
    await cluster('registry-outage');
    const ws = workspace({ guardrails: { cooldown: '1s', 'recurrence-limit': 1 } });
    await remediate('image-pull', { namespace: 'shop' }, { mode: 'auto', workspace: ws });
    await new Promise((r) => setTimeout(r, 1100));
    const { result } = await remediate(
      'image-pull',
      { namespace: 'shop' },
      { mode: 'auto', workspace: ws },
    );
    expect(refused(result).map((d) => d.guardrail)).toEqual(['recurrence', 'recurrence']);
  });

  it('automation in a storm of distinct incidents', async () => {
    await cluster('registry-outage');
    // A window of an hour: however slow the machine, both runs fall in it.
    const ws = workspace({ guardrails: { 'storm-incidents': 1, 'storm-window': '1h' } });
    const first = await remediate(
      'image-pull',
      { namespace: 'shop' },
      { mode: 'auto', workspace: ws, id: '11111111' },
    );
    // The first incident was acted on: that is what makes the second one a storm.
    expect({ outcome: first.result.outcome, acted: first.result.actions.length > 0 }).toEqual({
      outcome: first.result.outcome,
      acted: true,
    });
    const { result } = await remediate(
      'image-pull',
      { namespace: 'payments' },
      {
        mode: 'auto',
        workspace: ws,
        id: '22222222',
      },
    );
    expect(refused(result).map((d) => d.guardrail)).toEqual(['storm', 'storm']);
  });

  it('a namespace that did not opt in, and a protected namespace', async () => {
    await cluster('registry-outage');
    // Argo CD's namespace carries no opt-in label in the scenario.
    const ws = workspace({ guardrails: { 'protected-namespaces': ['payments'] } });
    const { result } = await remediate(
      'image-pull',
      { namespace: 'payments' },
      { mode: 'auto', workspace: ws },
    );
    expect(refused(result).map((d) => d.guardrail)).toEqual([
      'protected-namespace',
      'protected-namespace',
    ]);
    expect(kube.writes().filter((w) => w.resource === 'pods')).toEqual([]);
  });
});
