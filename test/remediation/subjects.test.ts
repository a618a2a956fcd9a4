// A job acts on every target of its incident, each decided and explained on its own: the
// NodeHighCPU alerts of four nodes fold into one incident, and the control plane refused
// first does not stop the workers; the image-pull playbook names the other workloads it
// deleted pods of. Real client-node against the Kubernetes emulator; triage builds the entry.
import { KubeConfig, type V1Node } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { jobFromMatrix } from '../../src/remediation/job.js';
import { runPlaybook } from '../../src/remediation/playbooks/index.js';
import type { RemediationContext } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { buildMatrix } from '../../src/triage/matrix.js';
import { triagePayload } from '../../src/triage/triage.js';
import { DEFAULT_CONFIG } from '../triage/corpus.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
let kc: KubeConfig;

const closeCluster = async () => {
  await kube.close();
};

async function context(mode: PlaybookMode): Promise<RemediationContext> {
  const observed = await observeIdentity(kc, new KubeClient(kc, { dryRun: true }));
  return remediationContext(kube, kc, mode, {
    server: observed.server,
    kubeSystemUid: observed.kubeSystemUid,
  });
}

/** node-exporter's NodeHighCPU for each node, the control plane first. */
const hotNodes = {
  version: '4',
  status: 'firing',
  receiver: 'kubemend',
  groupLabels: { alertname: 'NodeHighCPU' },
  alerts: ['cp-1', 'worker-1', 'worker-2', 'worker-3'].map((node, i) => ({
    status: 'firing',
    labels: { alertname: 'NodeHighCPU', node, severity: 'warning', cluster: 'lab' },
    annotations: { summary: `CPU usage on node ${node} is above 90%` },
    startsAt: '2026-12-06T10:00:00Z',
    fingerprint: `f00d000${i}`,
  })),
};

/** The one matrix entry triage builds for the payload's one incident and `playbook`. */
function entryFor(payload: unknown, playbook: string): Record<string, unknown> {
  const { incidents } = triagePayload(payload, { cluster: 'lab', config: DEFAULT_CONFIG });
  expect(incidents).toHaveLength(1);
  const entry = buildMatrix(
    incidents.map((incident) => ({ incident, number: 19 })),
    DEFAULT_CONFIG,
  ).include.find((e) => e.playbook === playbook);
  if (!entry) throw new Error(`triage built no ${playbook} entry`);
  // What a remediate job receives: the entry after the workflow's JSON.
  return JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
}

const schedulable = async () =>
  ((await (await fetch(`${kube.url}/api/v1/nodes`)).json()) as { items: V1Node[] }).items.flatMap(
    (n) => (n.spec?.unschedulable ? [] : [n.metadata?.name]),
  );

describe('one incident with many hot nodes (node-high-cpu)', () => {
  beforeEach(async () => {
    ({ kube, kc } = await simulatedCluster('node-high-cpu'));
  });
  afterEach(closeCluster);

  it('triage lists each node as a subject of the one matrix entry, the control plane first', () => {
    const entry = entryFor(hotNodes, 'node');
    expect((entry.subjects as { node?: string }[]).map((s) => s.node)).toEqual([
      'cp-1',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    expect(entry.targets).toMatchObject({ node: 'cp-1' });
  });

  it('triage makes one subject of two alerts on one node, and none of an alert naming no object', () => {
    const [first] = hotNodes.alerts;
    const payload = {
      ...hotNodes,
      alerts: [
        ...hotNodes.alerts,
        { ...first, labels: { ...first!.labels, node: 'worker-1' }, fingerprint: 'f00d0009' },
        { ...first, labels: { ...first!.labels, node: undefined }, fingerprint: 'f00d000a' },
      ],
    };
    const entry = entryFor(payload, 'node');
    expect((entry.subjects as { node?: string }[]).map((s) => s.node)).toEqual([
      'cp-1',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
  });

  it('refuses the control plane, cordons workers until minimum-healthy refuses the next, each in its own row', async () => {
    const entry = entryFor(hotNodes, 'node');
    const job = jobFromMatrix(entry, 'node', 'auto');
    const result = await runPlaybook('node', job, await context('auto'), DEFAULT_CONFIG);
    expect(result.subjects).toEqual([
      {
        target: 'Node/cp-1',
        outcome: 'skipped',
        reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
        action: 'none',
        refused: {
          guardrail: 'control-plane',
          reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
        },
      },
      expect.objectContaining({
        target: 'Node/worker-1',
        outcome: 'contained',
        action: 'cordon (patch Node)',
      }),
      {
        target: 'Node/worker-2',
        outcome: 'skipped',
        reason:
          'cordoning worker-2 would leave 1 of 3 workers schedulable and Ready; at least 2 must stay (guardrails.min-healthy-nodes 51%)',
        action: 'none',
        refused: {
          guardrail: 'min-healthy-nodes',
          reason:
            'cordoning worker-2 would leave 1 of 3 workers schedulable and Ready; at least 2 must stay (guardrails.min-healthy-nodes 51%)',
        },
      },
      expect.objectContaining({ target: 'Node/worker-3', outcome: 'skipped', action: 'none' }),
    ]);
    // The cluster decides: only worker-1 was cordoned.
    expect(await schedulable()).toEqual(['cp-1', 'worker-2', 'worker-3']);
    // Identity was checked once for the job; the result keeps the first subject as its targets.
    expect(result.decisions.filter((d) => d.guardrail === 'identity')).toHaveLength(1);
    expect(result.identity.status).toBe('confirmed');
    expect(result.targets).toMatchObject({ node: 'cp-1' });
    expect(result.outcome).toBe('contained');
  });

  it('in a dry run shows the same decisions, counting its own dry-run cordon', async () => {
    const entry = entryFor(hotNodes, 'node');
    const live = await runPlaybook(
      'node',
      jobFromMatrix(entry, 'node', 'auto'),
      await context('auto'),
      DEFAULT_CONFIG,
    );
    await kube.close();
    ({ kube, kc } = await simulatedCluster('node-high-cpu'));
    const dry = await runPlaybook(
      'node',
      jobFromMatrix(entry, 'node', 'dry-run'),
      await context('dry-run'),
      DEFAULT_CONFIG,
    );
    const decided = (r: typeof live) =>
      r.decisions
        .filter((d) => d.guardrail === 'control-plane' || d.guardrail === 'min-healthy-nodes')
        .map((d) => `${d.target} ${d.guardrail} ${d.allowed}`);
    expect(decided(dry)).toEqual(decided(live));
    expect(decided(dry)).toContain('Node/worker-2 min-healthy-nodes false');
    expect(dry.subjects?.map((s) => `${s.target} ${s.action}`)).toEqual([
      'Node/cp-1 none',
      'Node/worker-1 cordon (patch Node) (dry run)',
      'Node/worker-2 none',
      'Node/worker-3 none',
    ]);
    expect(await schedulable()).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3']);
  });
});

describe('an image-pull storm that reaches another workload (registry-outage)', () => {
  beforeEach(async () => {
    ({ kube, kc } = await simulatedCluster('registry-outage'));
  });
  afterEach(closeCluster);

  it("names cart as a subject of storefront's incident, with why, after deleting its stuck pods", async () => {
    const job = jobFromMatrix(
      {
        playbook: 'image-pull',
        id: 'a1b2c3d4',
        incident: 7,
        cluster: 'lab',
        targets: { namespace: 'shop', workload: { kind: 'Deployment', name: 'storefront' } },
      },
      'image-pull',
      'dry-run',
    );
    const result = await runPlaybook('image-pull', job, await context('dry-run'), DEFAULT_CONFIG);
    expect(result.subjects).toEqual([
      expect.objectContaining({
        target: 'Deployment/shop/storefront',
        action: 'delete Pod ×3 (dry run)',
      }),
      expect.objectContaining({
        target: 'Deployment/shop/cart',
        why: 'its pods were stuck pulling from the same registry (docker.io)',
        action: 'delete Pod ×2 (dry run)',
      }),
    ]);
    expect(result.subjects?.[0]).not.toHaveProperty('why');
  });
});

describe("a matrix entry's subjects", () => {
  const entry = (subjects: unknown) => ({
    playbook: 'node',
    id: 'a1b2c3d4',
    incident: 19,
    cluster: 'lab',
    targets: { node: 'worker-1' },
    subjects,
  });

  it('default to the targets when an entry written by hand has none', () => {
    expect(jobFromMatrix(entry(undefined), 'node', 'auto').subjects).toEqual([
      { cluster: 'lab', node: 'worker-1' },
    ]);
  });

  it.each([
    ['not a list', 'worker-1', "'subjects' is not a list of 1 to 50 targets objects"],
    ['too many', Array(51).fill({ node: 'w' }), "'subjects' is not a list of 1 to 50"],
    ['an item not an object', ['worker-1'], "'subjects[0]' is not a targets object"],
    ['a bad name', [{ node: 'worker-1' }, { node: 'Bad Node' }], "'subjects[1].node' is not"],
  ])('are refused in one line naming the field: %s', (_what, subjects, message) => {
    expect(() => jobFromMatrix(entry(subjects), 'node', 'auto')).toThrow(message);
    try {
      jobFromMatrix(entry(subjects), 'node', 'auto');
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('the enrichment of an alert whose pod is gone (oom-loop)', () => {
  beforeEach(async () => {
    ({ kube, kc } = await simulatedCluster('oom-loop'));
  });
  afterEach(closeCluster);

  it("shows the workload's current pods, not the pod the alert named a minute ago", async () => {
    // Another pod in the namespace that the workload does not own.
    kube.seed(resourceForKind('v1', 'Pod')!, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'shop' },
      spec: { nodeName: 'worker-1', containers: [{ name: 'sh', image: 'busybox:1.37' }] },
    } as KObject);
    const job = jobFromMatrix(
      {
        playbook: 'workload',
        id: 'b0b0b0b0',
        incident: 8,
        cluster: 'lab',
        targets: {
          namespace: 'shop',
          workload: { kind: 'Deployment', name: 'order-worker' },
          pods: ['order-worker-6f7d8c9b5-gone1'],
        },
      },
      'workload',
      'dry-run',
    );
    const result = await runPlaybook('workload', job, await context('dry-run'), DEFAULT_CONFIG);
    const pods = result.enrichment?.pods.map((p) => p.name) ?? [];
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) expect(pod).toMatch(/^order-worker-[a-z0-9]+-[a-z0-9]+$/);
    expect(result.enrichment?.owners.at(-1)).toBe('Deployment/order-worker');
  });
});
