// Guardrails read from the simulated cluster: protected namespaces, opt-in, the control
// plane and the share of schedulable nodes. Each refusal names its guardrail and reason.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import {
  GUARDRAIL_DEFAULTS,
  checkCordon,
  checkWorkload,
} from '../../src/remediation/guardrails.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;
let client: KubeClient;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, 'node-high-cpu');
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
});
afterEach(async () => {
  await kube.close();
});

describe('workload guardrails', () => {
  it('refuse a protected namespace without asking the cluster', async () => {
    const decisions = await checkWorkload(client, GUARDRAIL_DEFAULTS, {
      namespace: 'kube-system',
      labels: {},
    });
    expect(decisions).toEqual([
      {
        guardrail: 'protected-namespace',
        allowed: false,
        reason:
          'namespace kube-system is protected (guardrails.protected-namespaces); kubemend changes nothing there',
      },
    ]);
    expect(client.stats.total).toBe(0);
  });

  it('allow a namespace that opted in, refuse one that did not, and take a workload label as opt-in', async () => {
    expect(
      (await checkWorkload(client, GUARDRAIL_DEFAULTS, { namespace: 'analytics', labels: {} }))[1],
    ).toMatchObject({
      guardrail: 'opt-in',
      allowed: true,
    });
    expect(
      (await checkWorkload(client, GUARDRAIL_DEFAULTS, { namespace: 'monitoring', labels: {} }))[1],
    ).toEqual({
      guardrail: 'opt-in',
      allowed: false,
      reason:
        'neither the workload nor namespace monitoring has kubemend.io/remediate=true; label one to opt in',
    });
    expect(
      (
        await checkWorkload(client, GUARDRAIL_DEFAULTS, {
          namespace: 'monitoring',
          labels: { 'kubemend.io/remediate': 'true' },
        })
      )[1],
    ).toMatchObject({ allowed: true });
  });
});

describe('node guardrails', () => {
  it('never cordon a control-plane node', async () => {
    expect(await checkCordon(client, GUARDRAIL_DEFAULTS, 'cp-1')).toEqual([
      {
        guardrail: 'control-plane',
        allowed: false,
        reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
      },
    ]);
  });

  it('cordon a worker while enough nodes stay schedulable, and refuse the cordon that would go below', async () => {
    // Three workers (the control plane does not count), 51%: at least 2 must stay schedulable.
    expect((await checkCordon(client, GUARDRAIL_DEFAULTS, 'worker-1'))[1]).toMatchObject({
      guardrail: 'min-healthy-nodes',
      allowed: true,
    });
    await client.patch(
      { apiVersion: 'v1', kind: 'Node', name: 'worker-1' },
      { spec: { unschedulable: true } },
    );
    expect((await checkCordon(client, GUARDRAIL_DEFAULTS, 'worker-2'))[1]).toEqual({
      guardrail: 'min-healthy-nodes',
      allowed: false,
      reason:
        'cordoning worker-2 would leave 1 of 3 workers schedulable and Ready; at least 2 must stay (guardrails.min-healthy-nodes 51%)',
    });
  });

  it('count a cordon made earlier in the same job, a dry run too, as made', async () => {
    expect(
      (await checkCordon(client, GUARDRAIL_DEFAULTS, 'worker-2', new Set(['worker-1'])))[1],
    ).toMatchObject({ guardrail: 'min-healthy-nodes', allowed: false });
  });

  it('count a worker that is not Ready as unhealthy', async () => {
    // The kubelet's status, as it posts it: through the status subresource.
    const answer = await fetch(`${kube.url}/api/v1/nodes/worker-3/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({
        status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] },
      }),
    });
    expect(answer.status).toBe(200);
    expect((await checkCordon(client, GUARDRAIL_DEFAULTS, 'worker-1'))[1]).toMatchObject({
      guardrail: 'min-healthy-nodes',
      allowed: false,
      reason: expect.stringMatching(/^cordoning worker-1 would leave 1 of 3 workers/),
    });
  });
});
