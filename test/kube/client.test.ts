// The Kubernetes client module and cluster identity, with the real client-node against
// the Kubernetes emulator over HTTPS: requests counted, transient failures retried only
// where safe, dry-run enforced where requests leave, and identity checked against the
// CA fingerprint openssl prints.
import { CoreV1Api, KubeConfig, PatchStrategy } from '@kubernetes/client-node';
import { KubeClient, RefusedMutation } from '../../src/kube/client.js';
import {
  checkIdentity,
  identityYaml,
  normaliseFingerprint,
  observeIdentity,
} from '../../src/kube/identity.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { makeClusterTls, type ClusterTls } from '../../src/sim/kube/tls.js';

let kube: KubeEmulator;
let tls: ClusterTls;
let kc: KubeConfig;

beforeAll(() => {
  tls = makeClusterTls();
});

beforeEach(async () => {
  kube = await new KubeEmulator({ tls }).listen();
  loadScenario(kube, 'oom-loop');
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
});
afterEach(async () => {
  await kube.close();
});

const client = (dryRun: boolean) => new KubeClient(kc, { dryRun, backoffMs: 5 });
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'order-worker',
};

describe('the Kubernetes client', () => {
  it('counts every request it sends, discovery included, as the API server logs them', async () => {
    const k = client(false);
    await k.get(deployment);
    await k.list('v1', 'Pod', {
      namespace: 'shop',
      labelSelector: 'app.kubernetes.io/name=order-worker',
    });
    expect(await k.get({ ...deployment, name: 'nope' })).toBeUndefined();
    expect(k.stats.total).toBe(kube.log.length);
    expect(k.stats.byMethod).toEqual({ GET: kube.log.length });
    // Discovery of a group version is asked once, then cached.
    expect(kube.log.filter((e) => e.verb === 'discovery').length).toBeLessThanOrEqual(2);
  });

  it('in dry-run sends mutations with dryRun=All: the API server answers, nothing persists', async () => {
    const k = client(true);
    const patched = await k.patch<{
      kind?: string;
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    }>(deployment, {
      spec: {
        template: {
          metadata: {
            annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T03:00:00Z' },
          },
        },
      },
    });
    // The answer is the object as it would be, validated by the server.
    expect(patched.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe(
      '2026-11-22T03:00:00Z',
    );
    const [pod] = await k.list<{ metadata: { name: string; uid: string } }>('v1', 'Pod', {
      namespace: 'shop',
    });
    await k.delete(
      { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: pod!.metadata.name },
      { uid: pod!.metadata.uid },
    );
    expect(kube.writes()).toEqual([]);
    expect(
      kube.log.filter((e) => e.verb === 'patch' || e.verb === 'delete').every((e) => e.dryRun),
    ).toBe(true);
    expect(k.stats.mutations.map((m) => [m.verb, m.dryRun])).toEqual([
      ['patch', true],
      ['delete', true],
    ]);
    expect(
      (
        await client(false).get<{ metadata: { name: string } }>({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: 'shop',
          name: pod!.metadata.name,
        })
      )?.metadata.name,
    ).toBe(pod!.metadata.name);
  });

  it('in dry-run refuses, before sending, a mutation that does not say dryRun=All', async () => {
    const k = client(true);
    // Reach past the client's own methods, as a careless playbook might.
    const objects = (k as unknown as { objects: { delete(spec: object): Promise<unknown> } })
      .objects;
    await expect(
      objects.delete({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: 'shop' },
      }),
    ).rejects.toThrow(RefusedMutation);
    expect(kube.log.filter((e) => e.verb === 'delete')).toEqual([]);
  });

  it('live, a patch persists and is counted as a mutation', async () => {
    const k = client(false);
    await k.patch(
      deployment,
      { metadata: { annotations: { 'kubemend.io/touched': 'yes' } } },
      PatchStrategy.MergePatch,
    );
    expect(kube.writes().map((w) => [w.verb, w.resource, w.name])).toEqual([
      ['patch', 'deployments', 'order-worker'],
    ]);
  });

  it('lists every page of a kind client-node has no list model for (Events), not only the first', async () => {
    const events = resourceForKind('v1', 'Event')!;
    for (let i = 0; i < 1_100; i++)
      kube.seed(events, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `bulk.${String(i).padStart(4, '0')}`, namespace: 'shop' },
        involvedObject: { kind: 'Pod', namespace: 'shop', name: 'x' },
        reason: 'Bulk',
        message: 'one of many',
        type: 'Normal',
      } as unknown as KObject);
    const stored = kube.store.list(events).length;
    const from = kube.log.length;
    const listed = await client(false).list('v1', 'Event');
    expect(listed).toHaveLength(stored);
    expect(kube.log.slice(from).filter((e) => e.verb === 'list')).toHaveLength(
      Math.ceil(stored / 500),
    );
  });

  it('retries a read on 429 and 5xx, honouring Retry-After', async () => {
    kube.inject({ verb: 'get', resource: 'deployments', status: 503, times: 2 });
    kube.inject({ verb: 'list', resource: 'pods', status: 429, retryAfter: 0 });
    const k = client(false);
    expect(await k.get(deployment)).toBeDefined();
    expect(await k.list('v1', 'Pod', { namespace: 'shop' })).not.toHaveLength(0);
    expect(k.stats.retries).toBe(3);
  });

  it('retries a patch without a resourceVersion, but never a create or a compare-and-swap replace', async () => {
    kube.inject({ verb: 'patch', status: 500 });
    const k = client(false);
    await k.patch(deployment, { metadata: { labels: { team: 'shop' } } }, PatchStrategy.MergePatch);
    expect(k.stats.retries).toBe(1);

    kube.inject({ verb: 'create', status: 500 });
    await expect(
      k.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'shop' },
        data: {},
      } as never),
    ).rejects.toMatchObject({ code: 500 });
    const current = await k.get<{ metadata: { resourceVersion: string } }>(deployment);
    kube.inject({ verb: 'update', status: 409 });
    await expect(
      k.replace({ ...(current as object), apiVersion: 'apps/v1', kind: 'Deployment' } as never),
    ).rejects.toMatchObject({ code: 409 });
    expect(k.stats.retries).toBe(1);
  });

  it('gives up after its attempts and passes the failure on', async () => {
    kube.inject({ verb: 'get', resource: 'deployments', status: 503, times: 10 });
    await expect(client(false).get(deployment)).rejects.toMatchObject({ code: 503 });
  });
});

describe('cluster identity', () => {
  it('observes the server, the CA fingerprint openssl prints, and the kube-system UID', async () => {
    const observed = await observeIdentity(kc, client(false));
    expect(observed.server).toBe(kube.url);
    expect(observed.caSha256).toBe(normaliseFingerprint(tls.caFingerprint));
    const namespace = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
    expect(observed.kubeSystemUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(observed.kubeSystemUid).toBe(namespace.metadata?.uid);
  });

  it('is confirmed by any two matching signals, uncertain with fewer, and unconfigured with none', async () => {
    const observed = await observeIdentity(kc, client(false));
    const all = {
      server: observed.server,
      caSha256: tls.caFingerprint,
      kubeSystemUid: observed.kubeSystemUid,
    };
    expect(checkIdentity(observed, all)).toMatchObject({
      status: 'confirmed',
      matched: ['server', 'caSha256', 'kubeSystemUid'],
    });
    // The API server moved behind a new address: the CA and kube-system still say it is the same cluster.
    expect(checkIdentity(observed, { ...all, server: 'https://10.0.0.9:6443' })).toMatchObject({
      status: 'confirmed',
      mismatched: ['server'],
    });
    // Another cluster behind the same address.
    const verdict = checkIdentity(observed, {
      ...all,
      caSha256: 'ab'.repeat(32),
      kubeSystemUid: '00000000-0000-0000-0000-000000000000',
    });
    expect(verdict).toMatchObject({ status: 'uncertain' });
    expect(verdict.status === 'uncertain' && verdict.reason).toMatch(
      /^cluster identity uncertain: 1 of the configured signals match \(server\)/,
    );
    // Another cluster altogether (another's identity pasted under this name): a mismatch, said so.
    const other = checkIdentity(observed, {
      caSha256: 'ab'.repeat(32),
      kubeSystemUid: '00000000-0000-0000-0000-000000000000',
    });
    expect(other.status === 'uncertain' && other.reason).toMatch(
      /^cluster identity mismatch: the cluster shows another ca-sha256 and kube-system-uid than configured/,
    );
    expect(checkIdentity(observed, undefined)).toEqual({ status: 'unconfigured' });
  });

  it('prints the observed identity as the config block to paste', async () => {
    const observed = await observeIdentity(kc, client(false));
    expect(identityYaml('homelab', observed)).toBe(
      `clusters:\n  homelab:\n    server: ${kube.url}\n    ca-sha256: ${observed.caSha256}\n    kube-system-uid: ${observed.kubeSystemUid}`,
    );
  });
});
