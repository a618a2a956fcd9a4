// List pagination (`limit` and `continue`) as the API server does it, read by the real
// @kubernetes/client-node and the real kubectl (`--chunk-size`).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { findResource } from '../../src/sim/kube/resources.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

const run = promisify(execFile);
const namespaces = findResource('', 'v1', 'namespaces')!;
const pods = findResource('', 'v1', 'pods')!;
const configmaps = findResource('', 'v1', 'configmaps')!;

let kube: KubeEmulator;
let kc: KubeConfig;

const pod = (namespace: string, name: string, tier: string): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { tier } },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27.3' }] },
  }) as KObject;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  for (const ns of ['alpha', 'beta', 'gamma'])
    kube.seed(namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    } as KObject);
  // Seven pods over three namespaces, three of them in the "db" tier.
  for (const [ns, name, tier] of [
    ['alpha', 'a1', 'web'],
    ['alpha', 'a2', 'db'],
    ['beta', 'b1', 'web'],
    ['beta', 'b2', 'web'],
    ['beta', 'b3', 'db'],
    ['gamma', 'c1', 'web'],
    ['gamma', 'c2', 'db'],
  ] as const)
    kube.seed(pods, pod(ns, name, tier));
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
});
afterEach(async () => {
  await kube.close();
});

const names = (items: { metadata?: { namespace?: string; name?: string } }[]) =>
  items.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`);

describe('list pagination', () => {
  it('pages every pod across namespaces exactly once, with the count that remains', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const first = await api.listPodForAllNamespaces({ limit: 3 });
    expect(names(first.items)).toEqual(['alpha/a1', 'alpha/a2', 'beta/b1']);
    expect(first.metadata?.remainingItemCount).toBe(4);
    const second = await api.listPodForAllNamespaces({
      limit: 3,
      _continue: first.metadata!._continue,
    });
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const third = await api.listPodForAllNamespaces({
      limit: 3,
      _continue: second.metadata!._continue,
    });
    expect(third.metadata?._continue).toBeUndefined();
    expect(third.metadata?.remainingItemCount).toBeUndefined();
    expect(names([...first.items, ...second.items, ...third.items])).toEqual([
      'alpha/a1',
      'alpha/a2',
      'beta/b1',
      'beta/b2',
      'beta/b3',
      'gamma/c1',
      'gamma/c2',
    ]);
  });

  it('applies the label selector before paging and gives no count under a selector', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const first = await api.listPodForAllNamespaces({ limit: 2, labelSelector: 'tier=db' });
    expect(names(first.items)).toEqual(['alpha/a2', 'beta/b3']);
    expect(first.metadata?._continue).toBeDefined();
    expect(first.metadata?.remainingItemCount).toBeUndefined();
    const rest = await api.listPodForAllNamespaces({
      limit: 2,
      labelSelector: 'tier=db',
      _continue: first.metadata!._continue,
    });
    expect(names(rest.items)).toEqual(['gamma/c2']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('pages a namespace and shows the first page’s snapshot on later pages', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const first = await api.listNamespacedPod({ namespace: 'beta', limit: 1 });
    expect(names(first.items)).toEqual(['beta/b1']);
    kube.seed(pods, pod('beta', 'b15', 'web')); // created after the first page was read
    await api.deleteNamespacedPod({ name: 'b3', namespace: 'beta', gracePeriodSeconds: 0 });
    const rest = await api.listNamespacedPod({
      namespace: 'beta',
      limit: 10,
      _continue: first.metadata!._continue,
    });
    expect(names(rest.items)).toEqual(['beta/b2', 'beta/b3']);
    expect(rest.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('answers a malformed continue token with 400 and a Status', async () => {
    const response = await fetch(`${kube.url}/api/v1/pods?limit=2&continue=not-a-token`);
    expect(response.status).toBe(400);
    const status = (await response.json()) as { kind: string; reason: string; message: string };
    expect(status).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(status.message).toMatch(/^invalid continue token: continue key is not valid/);
  });

  it('lets KubeClient.list gather a kind larger than one page of 500', async () => {
    for (let i = 0; i < 520; i++)
      kube.seed(configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${String(i).padStart(3, '0')}`, namespace: 'alpha' },
      } as KObject);
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    const all = await client.list('v1', 'ConfigMap', { namespace: 'alpha' });
    expect(all).toHaveLength(520);
    expect(new Set(all.map((o) => o.metadata?.name)).size).toBe(520);
    const lists = kube.log.filter((e) => e.verb === 'list' && e.resource === 'configmaps');
    expect(lists).toHaveLength(2);
  });

  it('serves kubectl get pods -A --chunk-size=2 every pod once', async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
    writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'get', 'pods', '-A', '--chunk-size=2', '--no-headers'],
      { timeout: 60_000 },
    );
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).slice(0, 2).join('/')),
    ).toEqual(['alpha/a1', 'alpha/a2', 'beta/b1', 'beta/b2', 'beta/b3', 'gamma/c1', 'gamma/c2']);
    const lists = kube.log.filter((e) => e.verb === 'list' && e.resource === 'pods');
    expect(lists).toHaveLength(4);
  });
});
