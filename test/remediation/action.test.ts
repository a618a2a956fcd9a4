// The bundled remediate action, run as the runner runs it, against each scenario of the
// Kubernetes emulator (see action-support.ts). Twenty parallel runs sharing one ledger
// are in parallel.heavy.test.ts; the guardrail refusals, each two runs on the 30-pod
// registry outage, in action-refusals.heavy.test.ts.
import { readFileSync } from 'node:fs';
import type { RemediationResult } from '../../src/remediation/result.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import * as action from './action-support.js';
import { refused, type Remediation } from './action-support.js';

let kube: KubeEmulator;

afterEach(async () => {
  await kube.close();
});

async function cluster(scenario: string): Promise<void> {
  kube = await action.scenarioCluster(scenario);
}

const workspace = (config?: Record<string, unknown>, identity?: 'match' | 'other' | 'none') =>
  action.remediateWorkspace(kube, config, identity);

const remediate = (
  playbook: string,
  targets: Record<string, unknown>,
  options?: Parameters<typeof action.remediate>[3],
): Promise<Remediation> => action.remediate(kube, playbook, targets, options);

describe('the remediate action on each scenario', () => {
  it('registry-outage, registry back: deletes the stuck pods and the cluster shows them running (resolved)', async () => {
    await cluster('registry-outage');
    // Docker Hub comes back as kubemend acts: before the kubelets' back-off would notice.
    kube.onAnswer = (entry) => {
      if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['docker.io'] = 'ok';
    };
    const { run, result } = await remediate('image-pull', { namespace: 'shop' }, { mode: 'auto' });
    expect(result.outcome).toBe('resolved');
    expect(result.actions.length).toBe(5);
    expect(result.actions.every((a) => a.verb === 'delete' && !a.dryRun)).toBe(true);
    expect(result.identity.status).toBe('confirmed');
    expect(run.exitCode).toBe(0);
    expect(run.summary).toMatch(/### kubemend image-pull: resolved/);
    expect(result.enrichment?.pods.length).toBeGreaterThan(0);
  });

  it('registry-outage, registry still down: deletes, and the cluster says unchanged, naming the registry error', async () => {
    await cluster('registry-outage');
    const { result } = await remediate('image-pull', { namespace: 'shop' }, { mode: 'auto' });
    expect(result.outcome).toBe('unchanged');
    expect(result.findings[0]).toMatch(/5 pod\(s\) cannot pull from docker\.io: unreachable/);
  });

  it('registry-outage, storage: deletes the stuck Longhorn share-manager pods, the simulated manager recreates them (resolved once Docker Hub is back)', async () => {
    await cluster('registry-outage');
    kube.onAnswer = (entry) => {
      if (entry.verb === 'delete' && !entry.dryRun) kube.sim.facts.registries['docker.io'] = 'ok';
    };
    const { result } = await remediate(
      'storage',
      { namespace: 'payments', pvc: 'data-ledger-0' },
      { mode: 'auto' },
    );
    expect(result.actions.map((a) => a.object).sort()).toEqual([
      'longhorn-system/Pod/share-manager-pvc-3f1c9a2e-data-ledger-0',
      'longhorn-system/Pod/share-manager-pvc-8b2d4e71-ghost-content',
    ]);
    expect(result.outcome).toBe('resolved');
  });

  it('oom-loop: raises the memory limit and the simulated kubelet stops killing the worker (resolved)', async () => {
    await cluster('oom-loop');
    const { result } = await remediate(
      'oom',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'order-worker' } },
      { mode: 'auto' },
    );
    expect(result.actions[0]?.diff).toContain(
      'spec.template.spec.containers[worker].resources.limits.memory: 256Mi → 320Mi',
    );
    expect(result.outcome).toBe('resolved');
  });

  it('node-high-cpu: cordons a worker (contained: the source and the sweep tell when it is over) and refuses the control-plane node', async () => {
    await cluster('node-high-cpu');
    const worker = await remediate('node', { node: 'worker-1' }, { mode: 'auto' });
    expect(worker.result.outcome).toBe('contained');
    const node = kube.store.get(
      resourceForKind('v1', 'Node')!,
      undefined,
      'worker-1',
    ) as KObject & {
      spec: { unschedulable?: boolean };
    };
    expect(node.spec.unschedulable).toBe(true);
    const cp = await remediate('node', { node: 'cp-1' }, { mode: 'auto', id: 'c0ffee00' });
    expect(cp.result.outcome).toBe('skipped');
    expect(refused(cp.result)).toEqual([
      expect.objectContaining({ guardrail: 'control-plane', target: 'Node/cp-1' }),
    ]);
    expect(cp.run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^control-plane: node cp-1 is a control-plane node/),
      }),
    );
  });

  it('node-memory-pressure: cordons and drains a worker, and uncordons it once the kubelet reports no pressure (resolved)', async () => {
    await cluster('node-memory-pressure');
    const { result } = await remediate(
      'node',
      { node: 'worker-1' },
      {
        mode: 'auto',
        workspace: workspace({ playbooks: { node: { drain: true, uncordon: true } } }),
      },
    );
    expect(result.outcome).toBe('resolved');
    const node = kube.store.get(
      resourceForKind('v1', 'Node')!,
      undefined,
      'worker-1',
    ) as KObject & {
      spec: { unschedulable?: boolean };
      status: { conditions: { type: string; status: string }[] };
    };
    expect(node.spec.unschedulable).toBeUndefined();
    expect(node.status.conditions.find((c) => c.type === 'MemoryPressure')?.status).toBe('False');
  });

  it('bad-rollout: rolls back to the previous ReplicaSet when opted in, and the cluster runs it (resolved)', async () => {
    await cluster('bad-rollout');
    const { result } = await remediate(
      'crash-loop',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'api' } },
      { mode: 'auto', workspace: workspace({ playbooks: { 'crash-loop': { rollback: true } } }) },
    );
    expect(result.actions[0]?.detail).toMatch(
      /^rollback to revision 1 \(ghcr\.io\/acme\/api:1\.8\.0\)/,
    );
    expect(result.outcome).toBe('resolved');
  });

  it('clock-skew: names the node whose clock is behind; deleting its pods does not fix a clock (the cluster decides)', async () => {
    await cluster('clock-skew');
    const { result } = await remediate('image-pull', {}, { mode: 'auto' });
    expect(result.findings.join('\n')).toMatch(
      /node worker-3's clock is 120 minutes behind the API server/,
    );
    // The recreated pods land on worker-3 again (the workload is pinned to its zone) and fail TLS.
    expect(result.outcome).toBe('unchanged');
    expect(result.reason).toMatch(
      /^2 of 2 pod\(s\) still cannot pull after \d+s: .*ghcr\.io: tls .*check the node's clock/,
    );
    expect(result.verification.before).toBeGreaterThan(0);
  });
});

describe('the result file of a refused target', () => {
  /** The result file as anyone who can read the run downloads it. */
  const fileOf = (run: ActionRun) => readFileSync(run.outputs['result-path']!, 'utf8');
  const podNames = (namespace: string) =>
    kube.store.list(resourceForKind('v1', 'Pod')!, namespace).map((p) => p.metadata.name!);

  it('a protected namespace: carries none of its pods, log lines or events, and says why', async () => {
    await cluster('oom-loop');
    const { run, result } = await remediate(
      'oom',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'order-worker' } },
      { mode: 'auto', workspace: workspace({ guardrails: { 'protected-namespaces': ['shop'] } }) },
    );
    const file = fileOf(run);
    expect(podNames('shop').length).toBeGreaterThan(0);
    for (const pod of podNames('shop')) expect(file).not.toContain(pod);
    expect(file).not.toContain('warming cache');
    expect(result.enrichment).toBeUndefined();
    expect(result.withheld).toEqual([
      'namespace shop is protected (guardrails.protected-namespaces); kubemend changes nothing there; none of its pods, logs or events are read',
    ]);
    expect(refused(result).map((d) => d.guardrail)).toEqual(['protected-namespace']);
  });

  it('a namespace that did not opt in: even a diagnose-only playbook carries none of its pods or log lines', async () => {
    await cluster('oom-loop');
    kube.patchObject(resourceForKind('v1', 'Namespace')!, undefined, 'shop', {
      metadata: { labels: { 'kubemend.io/remediate': null } },
    });
    const { run, result } = await remediate(
      'probe',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'order-worker' } },
      { mode: 'dry-run' },
    );
    const file = fileOf(run);
    for (const pod of podNames('shop')) expect(file).not.toContain(pod);
    expect(file).not.toContain('warming cache');
    expect(result.withheld).toEqual([
      expect.stringMatching(
        /^neither the workload nor namespace shop has kubemend\.io\/remediate=true/,
      ),
    ]);
  });

  it("a node's pods of a namespace that did not opt in stay out; the opted-in namespace's and the node's conditions are there", async () => {
    await cluster('node-high-cpu');
    const { run, result } = await remediate('node', { node: 'worker-1' }, { mode: 'notify' });
    const file = fileOf(run);
    expect(podNames('monitoring').length).toBeGreaterThan(0);
    for (const pod of podNames('monitoring')) expect(file).not.toContain(pod);
    expect(result.withheld).toEqual([
      expect.stringMatching(/^neither the workload nor namespace monitoring has/),
    ]);
    expect(result.enrichment?.nodes.map((n) => n.name)).toEqual(['worker-1']);
    for (const pod of result.enrichment?.pods ?? [])
      expect(podNames('analytics')).toContain(pod.name);
  });
});

describe('a dry run over every scenario', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['registry-outage', 'image-pull', { namespace: 'shop' }],
    ['registry-outage', 'storage', {}],
    [
      'oom-loop',
      'oom',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'order-worker' } },
    ],
    ['node-high-cpu', 'node', { node: 'worker-1' }],
    ['node-memory-pressure', 'node', { node: 'worker-1' }],
    [
      'bad-rollout',
      'crash-loop',
      { namespace: 'shop', workload: { kind: 'Deployment', name: 'api' } },
    ],
    ['clock-skew', 'image-pull', {}],
  ];
  it.each(cases)(
    '%s (%s) persists no mutation and shows what the API server accepted',
    async (scenario, playbook, targets) => {
      await cluster(scenario);
      const { result } = await remediate(playbook, targets, { mode: 'dry-run' });
      expect(kube.writes()).toEqual([]);
      // Every mutation reached the API server, with dryRun=All, and was accepted.
      const sent = kube.log.filter((e) => !['get', 'list', 'watch', 'discovery'].includes(e.verb));
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((e) => e.dryRun && e.status < 300)).toBe(true);
      expect(result.actions.length).toBeGreaterThan(0);
      expect(result.actions.every((a) => a.dryRun)).toBe(true);
      expect(result.outcome).toBe('skipped');
      expect(result.reason).toMatch(/^mode dry-run: the API server accepted/);
      expect(result.actions.every((a) => a.diff?.length)).toBe(true);
    },
  );
});

describe('a cluster that cannot be reached', () => {
  it('still leaves a failed result for report, one error line, and exit code 1', async () => {
    await cluster('oom-loop');
    const ws = workspace();
    const kubeconfig = kube.kubeconfig();
    await kube.close();
    const run = await runAction('remediate', {
      inputs: {
        kubeconfig,
        playbook: 'oom',
        targets: JSON.stringify({
          playbook: 'oom',
          id: 'deadbeef',
          cluster: 'lab',
          targets: { namespace: 'shop' },
        }),
      },
      workspace: ws,
      githubToken: '',
    });
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(
      readFileSync(run.outputs['result-path']!, 'utf8'),
    ) as RemediationResult;
    expect(result).toMatchObject({ outcome: 'failed', playbook: 'oom', mode: 'propose' });
    expect(result.reason).toMatch(/ECONNREFUSED|connect/);
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
  });
});
