import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  Watch,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;

function clients(token?: string) {
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig({ token }));
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    kc,
  };
}

async function codeOf(
  promise: Promise<unknown>,
): Promise<{ code: number; body: { reason?: string; message?: string } }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: number; body: string };
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
  throw new Error('expected the call to fail');
}

const small: Scenario = {
  description: 'two workers and an opt-in namespace',
  nodes: [
    { name: 'cp-1', roles: ['control-plane'] },
    { name: 'worker-1', roles: ['worker'] },
    { name: 'worker-2', roles: ['worker'] },
  ],
  objects: [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'kubemend.io/remediate': 'true' } },
    },
  ],
  settleSeconds: 1,
};

function deployment(
  name: string,
  image: string,
  replicas = 2,
  extra: Partial<V1Deployment['spec']> = {},
): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'app', image, resources: { limits: { memory: '128Mi' } } }] },
      },
      ...extra,
    },
  };
}

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, small);
});
afterEach(async () => {
  await kube.close();
});

describe('CRUD through the real client-node', () => {
  it('sets uid, resourceVersion and generation, and answers 409 to a stale update', async () => {
    const { core } = clients();
    const created = await core.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'ledger' }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const first = await core.replaceNamespacedConfigMap({
      name: 'ledger',
      namespace: 'shop',
      body: { ...created, data: { a: '2' } },
    });
    expect(Number(first.metadata!.resourceVersion)).toBeGreaterThan(
      Number(created.metadata!.resourceVersion),
    );
    expect(
      await codeOf(
        core.replaceNamespacedConfigMap({
          name: 'ledger',
          namespace: 'shop',
          body: { ...created, data: { a: '3' } },
        }),
      ),
    ).toMatchObject({
      code: 409,
      body: {
        reason: 'Conflict',
        message: expect.stringContaining('the object has been modified'),
      },
    });
    expect(
      (await core.readNamespacedConfigMap({ name: 'ledger', namespace: 'shop' })).data,
    ).toEqual({ a: '2' });
  });

  it('answers 404 and 409 AlreadyExists as Status objects', async () => {
    const { core } = clients();
    expect(await codeOf(core.readNamespacedPod({ name: 'nope', namespace: 'shop' }))).toMatchObject(
      { code: 404, body: { reason: 'NotFound', message: 'pods "nope" not found' } },
    );
    await core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 's' } } });
    expect(
      await codeOf(
        core.createNamespacedSecret({ namespace: 'shop', body: { metadata: { name: 's' } } }),
      ),
    ).toMatchObject({ code: 409, body: { reason: 'AlreadyExists' } });
    expect(
      await codeOf(
        core.createNamespacedSecret({ namespace: 'absent', body: { metadata: { name: 's' } } }),
      ),
    ).toMatchObject({ code: 404, body: { message: 'namespaces "absent" not found' } });
  });

  it('validates and answers a dryRun=All create or patch without persisting it', async () => {
    const { apps } = clients();
    const dry = await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27'),
      dryRun: 'All',
    });
    expect(dry.metadata?.name).toBe('web');
    expect(
      await codeOf(apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })),
    ).toMatchObject({ code: 404 });
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27'),
    });
    const before = kube.writes().length;
    const patched = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'shop', body: { spec: { replicas: 5 } }, dryRun: 'All' },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.replicas).toBe(5);
    expect(
      (await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).spec?.replicas,
    ).toBe(2);
    expect(kube.writes().length).toBe(before);
    const bad = deployment('bad', 'nginx');
    bad.spec!.template.metadata!.labels = { app: 'other' };
    expect(
      await codeOf(
        apps.createNamespacedDeployment({ namespace: 'shop', body: bad, dryRun: 'All' }),
      ),
    ).toMatchObject({ code: 422, body: { reason: 'Invalid' } });
  });
});

describe('patch strategies', () => {
  it('strategic merge patches merge containers by name; JSON merge patches replace the list', async () => {
    const { apps } = clients();
    const d = deployment('web', 'nginx:1.27');
    d.spec!.template.spec!.containers.push({ name: 'sidecar', image: 'envoy:1.31' });
    await apps.createNamespacedDeployment({ namespace: 'shop', body: d });
    const strategic = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              spec: { containers: [{ name: 'app', resources: { limits: { memory: '256Mi' } } }] },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(
      strategic.spec!.template.spec!.containers.map((c) => [c.name, c.resources?.limits?.memory]),
    ).toEqual([
      ['app', '256Mi'],
      ['sidecar', undefined],
    ]);
    const merge = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'shop',
        body: {
          spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merge.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['app']);
  });

  it('applies a JSON patch and answers 415 to a content type the server does not take', async () => {
    const { apps } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27'),
    });
    const patched = await apps.patchNamespacedDeployment({
      name: 'web',
      namespace: 'shop',
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    expect(patched.spec?.replicas).toBe(3);
    expect(
      await codeOf(
        apps.patchNamespacedDeployment(
          { name: 'web', namespace: 'shop', body: { spec: { replicas: 1 } } },
          setHeaderOptions('Content-Type', 'application/xml'),
        ),
      ),
    ).toMatchObject({
      code: 415,
      body: { reason: 'UnsupportedMediaType' },
    });
  });
});

describe('selectors', () => {
  it('lists pods by label selector (=, !=, in, notin, exists) and field selector', async () => {
    const { apps, core } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 2),
    });
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('api', 'nginx:1.27', 1),
    });
    const names = async (params: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedPod({ namespace: 'shop', ...params })).items
        .map((p) => p.metadata!.labels!.app)
        .sort();
    expect(await names({ labelSelector: 'app=web' })).toEqual(['web', 'web']);
    expect(await names({ labelSelector: 'app!=web' })).toEqual(['api']);
    expect(await names({ labelSelector: 'app in (api,web),tier' })).toEqual(['api', 'web', 'web']);
    expect(await names({ labelSelector: 'app notin (web)' })).toEqual(['api']);
    expect(await names({ labelSelector: '!tier' })).toEqual([]);
    const pod = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=api' }))
      .items[0]!;
    expect(await names({ fieldSelector: `metadata.name=${pod.metadata!.name}` })).toEqual(['api']);
    expect(
      await names({ fieldSelector: `spec.nodeName=${pod.spec!.nodeName},status.phase=Running` }),
    ).toContain('api');
  });

  it('finds events by involvedObject fields and reason', async () => {
    const { core, apps } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 1),
    });
    const pod = (await core.listNamespacedPod({ namespace: 'shop' })).items[0]!;
    const events = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata!.name},reason=Scheduled`,
    });
    expect(events.items.map((e) => e.message)).toEqual([
      `Successfully assigned shop/${pod.metadata!.name} to worker-1`,
    ]);
  });
});

describe('events through both APIs', () => {
  it('serves the kubelet events as events.k8s.io/v1 too, with regarding and note', async () => {
    const { apps, kc } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 1),
    });
    const events = await kc
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: 'shop', fieldSelector: 'reason=Scheduled' });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      reason: 'Scheduled',
      regarding: { kind: 'Pod' },
      reportingController: 'default-scheduler',
      note: expect.stringMatching(/^Successfully assigned shop\/web-/),
    });
  });
});

describe('deletion, evictions and logs', () => {
  it('deletes with a grace period and a propagation policy', async () => {
    const { apps, core } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 2),
    });
    const [pod] = (await core.listNamespacedPod({ namespace: 'shop' })).items;
    await core.deleteNamespacedPod({
      name: pod!.metadata!.name!,
      namespace: 'shop',
      gracePeriodSeconds: 0,
    });
    const pods = (await core.listNamespacedPod({ namespace: 'shop' })).items;
    expect(pods).toHaveLength(2); // the ReplicaSet replaced it
    expect(pods.map((p) => p.metadata!.name)).not.toContain(pod!.metadata!.name);
    await apps.deleteNamespacedDeployment({
      name: 'web',
      namespace: 'shop',
      propagationPolicy: 'Orphan',
    });
    expect(
      (await apps.listNamespacedReplicaSet({ namespace: 'shop' })).items.map(
        (rs) => rs.metadata!.ownerReferences ?? [],
      ),
    ).toEqual([[]]);
    expect((await core.listNamespacedPod({ namespace: 'shop' })).items).toHaveLength(2);
  });

  it('refuses an eviction that would break a PodDisruptionBudget with 429', async () => {
    const { apps, core, policy } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 2),
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'shop',
      body: {
        metadata: { name: 'web' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      },
    });
    const [pod] = (await core.listNamespacedPod({ namespace: 'shop' })).items;
    const evict = () =>
      core.createNamespacedPodEviction({
        name: pod!.metadata!.name!,
        namespace: 'shop',
        body: { metadata: { name: pod!.metadata!.name!, namespace: 'shop' } },
      });
    expect(await codeOf(evict())).toMatchObject({
      code: 429,
      body: { message: "Cannot evict pod as it would violate the pod's disruption budget." },
    });
    await policy.patchNamespacedPodDisruptionBudget(
      { name: 'web', namespace: 'shop', body: { spec: { minAvailable: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await evict();
    expect(
      (await core.listNamespacedPod({ namespace: 'shop' })).items.map((p) => p.metadata!.name),
    ).not.toContain(pod!.metadata!.name);
  });

  it('serves current and previous logs with tailLines', async () => {
    const { apps, core } = clients();
    kube.sim.facts.images['ghcr.io/acme/api:2.0'] = {
      crash: { exitCode: 2, message: 'panic: config key "db.url" missing' },
      logs: ['api 2.0 starting', 'reading config'],
    };
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('api', 'ghcr.io/acme/api:2.0', 1),
    });
    const [pod] = (await core.listNamespacedPod({ namespace: 'shop' })).items;
    expect(
      await codeOf(
        core.readNamespacedPodLog({
          name: pod!.metadata!.name!,
          namespace: 'shop',
          previous: true,
        }),
      ),
    ).toMatchObject({ code: 400 });
    kube.advance(30_000);
    const previous = await core.readNamespacedPodLog({
      name: pod!.metadata!.name!,
      namespace: 'shop',
      previous: true,
      tailLines: 1,
    });
    expect(previous).toBe('panic: config key "db.url" missing\n');
  });
});

describe('watch', () => {
  it('streams pod changes to a client-node Watch', async () => {
    const { apps, kc } = clients();
    const seen: string[] = [];
    const watch = new Watch(kc);
    let resolveDone: () => void = () => undefined;
    const gotDeleted = new Promise<void>((resolve) => (resolveDone = resolve));
    const controller = await watch.watch(
      '/api/v1/namespaces/shop/pods',
      {},
      (type, pod: V1Pod) => {
        seen.push(`${type}:${pod.metadata?.labels?.app}`);
        if (type === 'DELETED') resolveDone();
      },
      () => undefined,
    );
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 1),
    });
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'shop' });
    await gotDeleted;
    controller.abort();
    expect(seen[0]).toBe('ADDED:web');
    expect(seen).toContain('DELETED:web');
  });

  it('answers a watch from a compacted resourceVersion as kube-apiserver does: one 410 Expired ERROR event, then the end', async () => {
    const { core, kc } = clients();
    const from = (await core.listNamespacedPod({ namespace: 'shop' })).metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'after' } },
    });
    const compactedAt = kube.compact();
    const events: { type: string; object: unknown }[] = [];
    const ended = await new Promise<unknown>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/namespaces/shop/configmaps',
        { resourceVersion: from },
        (type, object) => events.push({ type, object }),
        resolve,
      );
    });
    expect(ended).toBeNull(); // the stream ended; the HTTP answer itself was 200
    expect(events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${from} (${compactedAt})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
    // From the compaction point on, the watch works again.
    const next: string[] = [];
    const controller = await new Watch(kc).watch(
      '/api/v1/namespaces/shop/configmaps',
      { resourceVersion: String(compactedAt) },
      (type, object: { metadata: { name: string } }) =>
        next.push(`${type}:${object.metadata.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'later' } },
    });
    while (next.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect(next).toEqual(['ADDED:later']);
  });
});

describe('RBAC-lite', () => {
  it('answers 403 like the real server to a verb the user was not granted', async () => {
    await kube.close();
    kube = await new KubeEmulator({
      users: {
        'reader-token': {
          name: 'system:serviceaccount:kubemend:reader',
          rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }],
        },
      },
    }).listen();
    loadScenario(kube, small);
    const { core } = clients('reader-token');
    expect((await core.listNamespacedPod({ namespace: 'shop' })).items).toEqual([]);
    expect(await codeOf(core.deleteNamespacedPod({ name: 'x', namespace: 'shop' }))).toMatchObject({
      code: 403,
      body: {
        reason: 'Forbidden',
        message:
          'pods "x" is forbidden: User "system:serviceaccount:kubemend:reader" cannot delete resource "pods" in API group "" in the namespace "shop"',
      },
    });
    expect(await codeOf(core.listNamespacedSecret({ namespace: 'shop' }))).toMatchObject({
      code: 403,
    });
  });
});

describe('simulated controllers and kubelet', () => {
  it('a Deployment makes a ReplicaSet with a revision and pods that run', async () => {
    const { apps, core } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 2),
    });
    kube.advance(10_000);
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    expect(d.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const [rs] = (await apps.listNamespacedReplicaSet({ namespace: 'shop' })).items;
    expect(rs!.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    const pods = (await core.listNamespacedPod({ namespace: 'shop' })).items;
    expect(pods.map((p) => p.status?.phase)).toEqual(['Running', 'Running']);
    expect(pods.every((p) => p.metadata!.ownerReferences![0]!.uid === rs!.metadata!.uid)).toBe(
      true,
    );
  });

  it('an unreachable registry gives ErrImagePull then ImagePullBackOff with the kubelet messages', async () => {
    const { apps, core } = clients();
    kube.sim.facts.registries['docker.io'] = 'unreachable';
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 1),
    });
    const waiting = async () =>
      (await core.listNamespacedPod({ namespace: 'shop' })).items[0]!.status!.containerStatuses![0]!
        .state!.waiting!;
    expect((await waiting()).reason).toBe('ErrImagePull');
    kube.advance(30_000);
    expect((await waiting()).reason).toBe('ImagePullBackOff');
    const events = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: 'reason=Failed',
    });
    expect(events.items.map((e) => e.message)).toContain(
      'Failed to pull image "nginx:1.27": failed to resolve reference "docker.io/library/nginx:1.27": failed to do request: Head "https://registry-1.docker.io/v2/library/nginx/manifests/1.27": dial tcp: lookup registry-1.docker.io: no such host',
    );
  });

  it('a pod that does not fit stays Pending with a FailedScheduling event', async () => {
    const { core } = clients();
    await core.createNamespacedPod({
      namespace: 'shop',
      body: {
        metadata: { name: 'huge' },
        spec: {
          containers: [{ name: 'c', image: 'nginx', resources: { requests: { memory: '64Gi' } } }],
        },
      },
    });
    const pod = await core.readNamespacedPod({ name: 'huge', namespace: 'shop' });
    expect(pod.status?.phase).toBe('Pending');
    const [event] = (
      await core.listNamespacedEvent({
        namespace: 'shop',
        fieldSelector: 'reason=FailedScheduling',
      })
    ).items;
    expect(event!.message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
  });

  it('cordoned nodes get no new pods', async () => {
    const { core } = clients();
    await core.patchNode(
      { name: 'worker-1', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await core.createNamespacedPod({
      namespace: 'shop',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    });
    expect((await core.readNamespacedPod({ name: 'p', namespace: 'shop' })).spec?.nodeName).toBe(
      'worker-2',
    );
  });

  it('a pod spec cannot change its resources in place, as on a real server', async () => {
    const { core } = clients();
    await core.createNamespacedPod({
      namespace: 'shop',
      body: {
        metadata: { name: 'p' },
        spec: {
          containers: [{ name: 'c', image: 'nginx', resources: { limits: { memory: '64Mi' } } }],
        },
      },
    });
    const result = await codeOf(
      core.patchNamespacedPod(
        {
          name: 'p',
          namespace: 'shop',
          body: {
            spec: { containers: [{ name: 'c', resources: { limits: { memory: '128Mi' } } }] },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(result).toMatchObject({
      code: 422,
      body: { message: expect.stringContaining('pod updates may not change fields') },
    });
  });

  it('rollout restart makes a new ReplicaSet and replaces the pods; undo returns to the old template', async () => {
    const { apps, core } = clients();
    await apps.createNamespacedDeployment({
      namespace: 'shop',
      body: deployment('web', 'nginx:1.27', 2),
    });
    const before = (await core.listNamespacedPod({ namespace: 'shop' })).items.map(
      (p) => p.metadata!.name,
    );
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              metadata: {
                annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T03:00:00Z' },
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    kube.advance(30_000);
    const after = (await core.listNamespacedPod({ namespace: 'shop' })).items.map(
      (p) => p.metadata!.name,
    );
    expect(after).toHaveLength(2);
    expect(after.filter((n) => before.includes(n))).toEqual([]);
    const sets = (await apps.listNamespacedReplicaSet({ namespace: 'shop' })).items;
    expect(
      sets
        .map((rs) => [
          rs.metadata!.annotations!['deployment.kubernetes.io/revision'],
          rs.spec!.replicas,
        ])
        .sort(),
    ).toEqual([
      ['1', 0],
      ['2', 2],
    ]);
  });
});

describe('scenarios', () => {
  it('oom-loop: the pods crash-loop OOMKilled with a rising restart count unless the limit is raised', async () => {
    await kube.close();
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'oom-loop');
    const { apps, core } = clients();
    const statuses = async () =>
      (await core.listNamespacedPod({ namespace: 'shop' })).items.map(
        (p) => p.status!.containerStatuses![0]!,
      );
    const first = await statuses();
    expect(
      first.every(
        (s) =>
          s.lastState?.terminated?.reason === 'OOMKilled' &&
          s.lastState.terminated.exitCode === 137,
      ),
    ).toBe(true);
    kube.advance(10 * 60_000);
    const later = await statuses();
    expect(Math.min(...later.map((s) => s.restartCount))).toBeGreaterThan(
      Math.max(...first.map((s) => s.restartCount)),
    );
    expect(
      (
        await apps.readNamespacedDeployment({ name: 'order-worker', namespace: 'shop' })
      ).status?.conditions?.find((c) => c.type === 'Available')?.status,
    ).toBe('False');

    await apps.patchNamespacedDeployment(
      {
        name: 'order-worker',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              spec: {
                containers: [{ name: 'worker', resources: { limits: { memory: '512Mi' } } }],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    kube.advance(5 * 60_000);
    const healed = await apps.readNamespacedDeployment({ name: 'order-worker', namespace: 'shop' });
    expect(healed.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect(healed.status).toMatchObject({ readyReplicas: 2, updatedReplicas: 2 });
  });

  it('registry-outage: 30 pods fail to pull from Docker Hub until their images point at the mirror', async () => {
    await kube.close();
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'registry-outage');
    const { apps, core, custom } = clients();
    const all = (await core.listPodForAllNamespaces()).items;
    const stuck = all.filter((p) =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
      ),
    );
    expect(stuck).toHaveLength(32);
    expect(
      new Set(
        stuck
          .filter((p) => p.metadata!.namespace !== 'longhorn-system')
          .map((p) => p.metadata!.namespace),
      ).size,
    ).toBe(6);
    const app = (await custom.getNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name: 'shop',
    })) as { status: { health: { status: string } } };
    expect(app.status.health.status).toBe('Degraded');

    const storefront = await apps.readNamespacedDeployment({
      name: 'storefront',
      namespace: 'shop',
    });
    await apps.patchNamespacedDeployment(
      {
        name: 'storefront',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: storefront.spec!.template.spec!.containers[0]!.name,
                    image: 'registry.homelab.internal:5000/library/nginx:1.27.3',
                  },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    kube.advance(2 * 60_000);
    const healed = (
      await core.listNamespacedPod({
        namespace: 'shop',
        labelSelector: 'app.kubernetes.io/name=storefront',
      })
    ).items;
    expect(healed.map((p) => p.status?.phase)).toEqual(['Running', 'Running', 'Running']);
    const cart = (
      await core.listNamespacedPod({
        namespace: 'shop',
        labelSelector: 'app.kubernetes.io/name=cart',
      })
    ).items;
    expect(
      cart.every(
        (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff',
      ),
    ).toBe(true);
  });
});
