// The image-pull playbook end to end in one process, against the simulated cluster of
// the registry-outage scenario: identity, guardrails, the ledger, the deletions, and an
// outcome the simulated kubelets decide.
// Heavy (`npm run test:heavy`): every case settles the 30-pod outage again.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runImagePull } from '../../src/remediation/playbooks/image-pull.js';
import type { RemediationContext, RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { makeClusterTls, type ClusterTls } from '../../src/sim/kube/tls.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
let tls: ClusterTls;
let kc: KubeConfig;

beforeAll(() => {
  tls = makeClusterTls();
});
beforeEach(async () => {
  ({ kube, kc } = await simulatedCluster('registry-outage', tls));
});
afterEach(async () => {
  await kube.close();
});

const job = (mode: PlaybookMode, namespace = 'shop'): RemediationJob => ({
  playbook: 'image-pull',
  category: 'image-pull',
  incident: 7,
  id: 'a1b2c3d4',
  cluster: 'homelab',
  targets: { cluster: 'homelab', namespace },
  mode,
});

async function context(
  mode: PlaybookMode,
  identity: 'confirmed' | 'none' | 'other' = 'confirmed',
): Promise<RemediationContext> {
  const observed = await observeIdentity(kc, new KubeClient(kc, { dryRun: true }));
  const expected =
    identity === 'none'
      ? undefined
      : identity === 'confirmed'
        ? {
            server: observed.server,
            caSha256: tls.caFingerprint,
            kubeSystemUid: observed.kubeSystemUid,
          }
        : {
            server: observed.server,
            caSha256: 'ab'.repeat(32),
            kubeSystemUid: '00000000-0000-4000-8000-000000000000',
          };
  return remediationContext(kube, kc, mode, expected);
}

const podWrites = () => kube.writes().filter((w) => w.resource === 'pods');

describe('the image-pull playbook', () => {
  it('once the registry is back, deletes the stuck pods their controllers own, and the cluster shows them pulling: resolved', async () => {
    kube.sim.facts.registries['docker.io'] = 'ok';
    const result = await runImagePull(job('auto'), await context('auto'));
    expect(result).toMatchObject({
      outcome: 'resolved',
      identity: { status: 'confirmed' },
      verification: { before: 5, after: 0 },
    });
    expect(result.actions).toHaveLength(5);
    expect(result.actions.every((a) => a.verb === 'delete' && !a.dryRun)).toBe(true);
    expect(podWrites().map((w) => w.verb)).toEqual(Array(5).fill('delete'));
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ guardrail: 'opt-in', allowed: true }),
    );
  });

  it('while the registry is still down, deletes and reports unchanged, naming the registry error', async () => {
    const result = await runImagePull(job('auto'), await context('auto'));
    expect(result.outcome).toBe('unchanged');
    expect(result.reason).toMatch(
      /^5 of 5 pod\(s\) still cannot pull after 300s: 5 pod\(s\) cannot pull from docker\.io: unreachable/,
    );
  });

  it('in dry-run shows the deletions the API server accepted and persists nothing', async () => {
    const result = await runImagePull(job('dry-run'), await context('dry-run'));
    expect(result.outcome).toBe('skipped');
    expect(result.actions).toHaveLength(5);
    expect(result.actions.every((a) => a.dryRun)).toBe(true);
    expect(kube.writes()).toEqual([]);
    expect(kube.log.filter((e) => e.verb === 'delete')).toHaveLength(5);
    expect(kube.log.filter((e) => e.verb === 'delete').every((e) => e.dryRun)).toBe(true);
  });

  it('sends no mutation at all when the cluster identity does not match', async () => {
    const result = await runImagePull(job('auto'), await context('auto', 'other'));
    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^cluster identity uncertain/),
    });
    expect(kube.log.filter((e) => !['get', 'list', 'discovery'].includes(e.verb))).toEqual([]);
  });

  it('with no identity configured writes nothing live and gives the values to paste', async () => {
    const result = await runImagePull(job('auto'), await context('auto', 'none'));
    expect(result).toMatchObject({
      outcome: 'skipped',
      identity: {
        status: 'unconfigured',
        observed: expect.stringMatching(/^clusters:\n {2}homelab:\n {4}server: https:/),
      },
    });
    expect(kube.writes()).toEqual([]);
  });

  it('refuses a namespace that did not opt in, and records why', async () => {
    kube.patchObject(resourceForKind('v1', 'Namespace')!, undefined, 'shop', {
      metadata: { labels: { 'kubemend.io/remediate': null } },
    });
    const result = await runImagePull(job('auto'), await context('auto'));
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'opt-in',
        allowed: false,
        target: expect.stringMatching(/^shop\/ReplicaSet\//),
      }),
    );
    expect(podWrites()).toEqual([]);
    expect(result.outcome).toBe('skipped');
  });

  it('never acts twice on one workload within the cooldown', async () => {
    const first = await runImagePull(job('auto'), await context('auto'));
    expect(first.outcome).toBe('unchanged');
    const deletes = podWrites().length;
    // Five simulated minutes later (the first run's verification), the pods are still stuck.
    const second = await runImagePull(job('auto'), await context('auto'));
    const refused = second.decisions.filter((d) => d.guardrail === 'cooldown' && !d.allowed);
    expect(refused.length).toBe(
      new Set(first.actions.map((a) => a.detail.split(' recreates')[0])).size,
    );
    expect(refused[0]!.reason).toMatch(
      /^cooldown: shop\/ReplicaSet\/[a-z0-9-]+ was acted on at .* \(image-pull\); no second action within 15m$/,
    );
    expect(podWrites().length).toBe(deletes);
    expect(second.outcome).toBe('skipped');
  });

  it('stops deleting at the first refused deletion, and records every deletion that reached the API server with its outcome', async () => {
    await kube.close();
    // kubemend's identity may read and patch but not delete: each deletion is refused (403).
    ({ kube, kc } = await simulatedCluster('registry-outage', tls, {
      users: {
        'no-delete': {
          name: 'no-delete',
          rules: [
            {
              apiGroups: ['*'],
              resources: ['*'],
              verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
            },
          ],
        },
      },
      token: 'no-delete',
    }));
    // In search, the first workload (indexer) has three stuck pods, search-ui two more.
    const result = await runImagePull(job('auto', 'search'), {
      ...(await context('auto')),
      concurrency: 2,
    });
    const sent = kube.log.filter((e) => e.verb === 'delete' && e.resource === 'pods');
    // Both deletions in flight when the first was refused ended; no third one started.
    expect(sent).toHaveLength(2);
    expect(sent.every((e) => e.status === 403)).toBe(true);
    expect(result.actions.map((a) => a.object).sort()).toEqual(
      sent.map((e) => `search/Pod/${e.name}`).sort(),
    );
    for (const action of result.actions)
      expect(action.error).toMatch(/^403 Forbidden: pods "[a-z0-9-]+" is forbidden/);
    expect(result).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(
        /^deleting search\/ReplicaSet\/indexer-[a-z0-9]+'s pods failed: 403 Forbidden: .*; 2 of 3 deletion\(s\) started, none after the failure, and no further workload was acted on$/,
      ),
    });
  });
});
