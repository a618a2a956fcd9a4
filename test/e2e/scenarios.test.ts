// End-to-end scenarios, written against ScenarioCluster so the same test runs on the
// Kubernetes emulator (here, in `npm test`) and on a real kind cluster (the e2e-kind
// workflow sets KUBEMEND_E2E_KUBECONFIG). Each runs the bundled remediate action as the
// runner runs it, and the cluster, real or simulated, decides the outcome.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { RemediationResult } from '../../src/remediation/result.js';
import { runAction } from '../../src/rehearse/action.js';
import { openCluster, readE2eScenario, type ScenarioCluster } from './clusters.js';

let cluster: ScenarioCluster;
beforeEach(async () => {
  cluster = await openCluster();
});
afterEach(async () => {
  await cluster.close();
});

async function remediate(
  playbook: string,
  targets: Record<string, unknown>,
  playbooks: Record<string, unknown> = {},
): Promise<RemediationResult> {
  const workspace = mkdtempSync(join(tmpdir(), 'kubemend-e2e-'));
  mkdirSync(join(workspace, '.github'));
  writeFileSync(
    join(workspace, '.github/kubemend.yml'),
    dump({
      clusters: { e2e: await cluster.identity() },
      playbooks: { [playbook]: { mode: 'auto', ...playbooks } },
      guardrails: { 'verify-interval': '5s', 'verify-timeout': cluster.verifyTimeout },
    }),
  );
  const run = await runAction('remediate', {
    inputs: {
      kubeconfig: Buffer.from(cluster.kubeconfig).toString('base64'),
      playbook,
      targets: JSON.stringify({
        playbook,
        category: playbook,
        confidence: 0.9,
        incident: 1,
        id: 'e2e00001',
        cluster: 'e2e',
        targets: { cluster: 'e2e', pods: [], containers: [], ...targets },
      }),
    },
    workspace,
    githubToken: '',
    timeoutMs: 10 * 60_000,
  });
  const path = run.outputs['result-path'];
  if (!path) throw new Error(`no result: ${run.stderr}\n${run.stdout}`);
  return JSON.parse(readFileSync(path, 'utf8')) as RemediationResult;
}

const waiting = async (namespace: string) =>
  (await cluster.pods(namespace)).flatMap((p) =>
    (p.status?.containerStatuses ?? []).map((s) => s.state?.waiting?.reason ?? 'running'),
  );

describe(`end-to-end scenarios (${process.env.KUBEMEND_E2E_KUBECONFIG ? 'real cluster' : 'emulator'})`, () => {
  it(
    'registry-down: deletes the stuck pods, and the cluster says unchanged, naming the unreachable registry',
    async () => {
      await cluster.load(readE2eScenario('registry-down'));
      const before = (await cluster.pods('e2e-registry')).map((p) => p.metadata?.name);
      expect(await waiting('e2e-registry')).toEqual(
        expect.arrayContaining([expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/)]),
      );
      const result = await remediate('image-pull', {
        namespace: 'e2e-registry',
        workload: { kind: 'Deployment', name: 'web' },
      });
      expect(result.actions.filter((a) => a.verb === 'delete')).toHaveLength(before.length);
      expect(result.outcome).toBe('unchanged');
      expect(result.findings.join('\n')).toMatch(/registry\.kubemend\.invalid/);
      // New pods replaced the deleted ones, and they cannot pull either.
      const after = (await cluster.pods('e2e-registry')).map((p) => p.metadata?.name);
      expect(after.some((name) => before.includes(name))).toBe(false);
    },
    15 * 60_000,
  );

  it(
    'memory-limit: raises the limit by 25% and the cluster runs the worker without OOMKills (resolved)',
    async () => {
      await cluster.load(readE2eScenario('memory-limit'));
      const [pod] = await cluster.pods('e2e-memory');
      expect(pod?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe('OOMKilled');
      const result = await remediate('oom', {
        namespace: 'e2e-memory',
        workload: { kind: 'Deployment', name: 'worker' },
      });
      expect(result.actions[0]?.diff).toContain(
        'spec.template.spec.containers[worker].resources.limits.memory: 256Mi → 320Mi',
      );
      expect(result.outcome).toBe('resolved');
      expect(await waiting('e2e-memory')).toEqual(['running']);
    },
    15 * 60_000,
  );

  it(
    'crashing-rollout: rolls back to the previous ReplicaSet and the cluster runs it (resolved)',
    async () => {
      await cluster.load(readE2eScenario('crashing-rollout'));
      expect(await waiting('e2e-rollout')).toContain('CrashLoopBackOff');
      const result = await remediate(
        'crash-loop',
        { namespace: 'e2e-rollout', workload: { kind: 'Deployment', name: 'api' } },
        { rollback: true },
      );
      expect(result.actions[0]?.detail).toMatch(/^rollback to revision 1 \(busybox:1\.37\.0\)/);
      expect(result.outcome).toBe('resolved');
      const images = (await cluster.pods('e2e-rollout')).map((p) => p.spec?.containers[0]?.image);
      expect(new Set(images)).toEqual(new Set(['busybox:1.37.0']));
    },
    15 * 60_000,
  );
});
