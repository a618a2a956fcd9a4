// PATCH semantics of the Kubernetes emulator. Expected values come from what kube-apiserver does:
// the kubectl patch task page of kubernetes.io, the struct tags of k8s.io/api, and the tables of
// k8s.io/apimachinery's strategicpatch and json-patch v4's tests, not from the implementation.
import {
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
} from '../../src/sim/kube/patch.js';

type Json = Record<string, unknown>;

/** Freezes a value all the way down, so any write to an input throws (modules are strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

function patchErrorOf(run: () => unknown): PatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error('expected a PatchError');
}

// The Deployment of the kubectl patch task page (application/deployment-patch.yaml).
const patchDemo = (): Json => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'patch-demo' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
        tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
      },
    },
  },
});

const podSpecOf = (deployment: unknown): Json =>
  ((deployment as Json).spec as { template: { spec: Json } }).template.spec;

const podTemplate = (spec: Json): Json => ({ spec: { template: { spec } } });

const smp = (doc: unknown, patch: unknown, kind = 'Deployment'): Json =>
  applyStrategicMergePatch(doc, patch, kind) as Json;

describe('applyJsonPatch (RFC 6902, as json-patch v4 in kube-apiserver applies it)', () => {
  it('replaces a container image by position, the kubectl patch --type=json example', () => {
    const pod = {
      spec: { containers: [{ name: 'kubernetes-serve-hostname', image: 'old image' }] },
    };
    const result = applyJsonPatch(pod, [
      { op: 'replace', path: '/spec/containers/0/image', value: 'new image' },
    ]);
    expect(result).toEqual({
      spec: { containers: [{ name: 'kubernetes-serve-hostname', image: 'new image' }] },
    });
  });

  it('adds an object member, and inserts into an array before the given index', () => {
    const result = applyJsonPatch({ foo: ['bar', 'baz'] }, [
      { op: 'add', path: '/qux', value: { n: 1 } },
      { op: 'add', path: '/foo/1', value: 'ins' },
      { op: 'add', path: '/foo/3', value: 'end' },
    ]);
    expect(result).toEqual({ foo: ['bar', 'ins', 'baz', 'end'], qux: { n: 1 } });
  });

  it("appends to an array with the '-' index", () => {
    const result = applyJsonPatch({ metadata: { finalizers: ['a'] } }, [
      { op: 'add', path: '/metadata/finalizers/-', value: 'b' },
    ]);
    expect(result).toEqual({ metadata: { finalizers: ['a', 'b'] } });
  });

  it('removes an object member and an array element', () => {
    const result = applyJsonPatch({ a: 1, b: 2, list: ['x', 'y', 'z'] }, [
      { op: 'remove', path: '/a' },
      { op: 'remove', path: '/list/1' },
    ]);
    expect(result).toEqual({ b: 2, list: ['x', 'z'] });
  });

  it('replaces an existing value, and the whole document at the empty path', () => {
    expect(
      applyJsonPatch({ spec: { replicas: 1 } }, [
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ]),
    ).toEqual({ spec: { replicas: 3 } });
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({
      b: 2,
    });
  });

  it('adds an absent object member on replace, as json-patch v4 in kube-apiserver does', () => {
    // RFC 6902 says replace must fail here; json-patch v4 reads the absent member as nil.
    const result = applyJsonPatch({ spec: {} }, [
      { op: 'replace', path: '/spec/paused', value: true },
    ]);
    expect(result).toEqual({ spec: { paused: true } });
  });

  it('moves a value: it leaves its source and lands at its destination', () => {
    const result = applyJsonPatch({ a: { b: 'v' }, list: [1, 2, 3] }, [
      { op: 'move', from: '/a/b', path: '/c' },
      { op: 'move', from: '/list/0', path: '/list/-' },
    ]);
    expect(result).toEqual({ a: {}, c: 'v', list: [2, 3, 1] });
  });

  it('copies a value deeply, so the copy shares nothing with its source', () => {
    const result = applyJsonPatch({ a: { deep: { n: 1 } } }, [
      { op: 'copy', from: '/a', path: '/b' },
    ]) as { a: { deep: { n: number } }; b: { deep: { n: number } } };
    expect(result.b).toEqual({ deep: { n: 1 } });
    result.b.deep.n = 2;
    expect(result.a.deep.n).toBe(1);
  });

  it('passes a test op on a deep-equal value whatever the member order', () => {
    const doc = { spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } };
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/spec/selector', value: { matchLabels: { tier: 'fe', app: 'web' } } },
      { op: 'replace', path: '/spec/selector/matchLabels/app', value: 'api' },
    ]);
    expect(result).toEqual({ spec: { selector: { matchLabels: { app: 'api', tier: 'fe' } } } });
  });

  it('treats an absent member as null in a test op, as json-patch v4 does', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/b', value: null }])).toEqual({ a: 1 });
    const error = patchErrorOf(() =>
      applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/b', value: 0 }]),
    );
    expect(error.status).toBe(422);
  });

  it('rejects the whole patch with 422 when a test op fails, leaving the input untouched', () => {
    const doc = deepFreeze({ spec: { replicas: 2 } });
    const error = patchErrorOf(() =>
      applyJsonPatch(doc, [
        { op: 'replace', path: '/spec/replicas', value: 5 },
        { op: 'test', path: '/spec/replicas', value: 2 },
      ]),
    );
    expect(error).toMatchObject({
      status: 422,
      message: 'testing value /spec/replicas failed: test failed',
    });
    expect(doc).toEqual({ spec: { replicas: 2 } });
  });

  it('decodes ~1 as / and ~0 as ~ in pointers, as annotation keys need', () => {
    const doc = { metadata: { annotations: { 'example.com/owner': 'a', 'x~y': 'b', '~1': 'c' } } };
    const result = applyJsonPatch(doc, [
      { op: 'replace', path: '/metadata/annotations/example.com~1owner', value: 'z' },
      { op: 'remove', path: '/metadata/annotations/x~0y' },
      { op: 'remove', path: '/metadata/annotations/~01' },
    ]);
    expect(result).toEqual({ metadata: { annotations: { 'example.com/owner': 'z' } } });
  });

  it('counts negative array indexes from the end, as json-patch v4 does', () => {
    const result = applyJsonPatch({ list: [1, 2, 3] }, [
      { op: 'remove', path: '/list/-1' },
      { op: 'replace', path: '/list/-2', value: 9 },
    ]);
    expect(result).toEqual({ list: [9, 2] });
  });

  it('answers 422 when the parent of the path to add into is missing', () => {
    const error = patchErrorOf(() =>
      applyJsonPatch({ metadata: {} }, [{ op: 'add', path: '/metadata/labels/app', value: 'web' }]),
    );
    expect(error).toMatchObject({
      status: 422,
      message:
        'add operation does not apply: doc is missing path: "/metadata/labels/app": missing value',
    });
  });

  it('answers 422 when removing a member that is not there', () => {
    const error = patchErrorOf(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }]));
    expect(error).toMatchObject({
      status: 422,
      message: "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
    });
  });

  it('answers 422 for an array index past the end, for add, remove and replace', () => {
    for (const op of [
      { op: 'add', path: '/list/3', value: 0 },
      { op: 'remove', path: '/list/2' },
      { op: 'replace', path: '/list/2', value: 0 },
    ]) {
      expect(patchErrorOf(() => applyJsonPatch({ list: [1, 2] }, [op])).status).toBe(422);
    }
  });

  it('answers 422 for an unknown op and for an op without a path', () => {
    expect(patchErrorOf(() => applyJsonPatch({}, [{ op: 'frob', path: '/a' }]))).toMatchObject({
      status: 422,
      message: 'Unexpected kind: frob',
    });
    expect(patchErrorOf(() => applyJsonPatch({}, [{ op: 'add', value: 1 }]))).toMatchObject({
      status: 422,
      message: 'add operation failed to decode path: missing value',
    });
  });

  it('answers 422 when moving a value into one of its own children', () => {
    const error = patchErrorOf(() =>
      applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/c' }]),
    );
    expect(error).toMatchObject({
      status: 422,
      message:
        'move operation does not apply: doc is missing destination path: /a/c: missing value',
    });
  });

  it('answers 400 when the body is not an array of operation objects', () => {
    expect(patchErrorOf(() => applyJsonPatch({}, { op: 'add' }))).toMatchObject({
      status: 400,
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    });
    expect(patchErrorOf(() => applyJsonPatch({}, ['add']))).toMatchObject({
      status: 400,
      message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    });
  });

  it('answers 413 for more than 10,000 operations, before applying any', () => {
    const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    expect(patchErrorOf(() => applyJsonPatch({ a: 1 }, ops))).toMatchObject({
      status: 413,
      message: 'The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });

  it('mutates neither the document nor the operations, and shares nothing with them', () => {
    const doc = deepFreeze({ spec: { containers: [{ name: 'a' }] } });
    const ops = deepFreeze([
      { op: 'add', path: '/spec/containers/-', value: { name: 'b', env: [] } },
      { op: 'add', path: '/spec/template', value: { labels: {} } },
    ]);
    const result = applyJsonPatch(doc, ops) as {
      spec: { containers: { name: string; env?: unknown[] }[]; template: Json };
    };
    result.spec.containers[1]?.env?.push('x');
    result.spec.template.labels = { changed: 'yes' };
    result.spec.containers[0]!.name = 'changed';
    expect(doc).toEqual({ spec: { containers: [{ name: 'a' }] } });
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it('replaces the containers list whole, the kubectl patch --type=merge example', () => {
    const result = applyMergePatch(
      patchDemo(),
      podTemplate({
        containers: [{ name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/node-hello:1.0' }],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([
      { name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/node-hello:1.0' },
    ]);
    // Everything the patch does not name stays.
    expect(podSpecOf(result).tolerations).toEqual(podSpecOf(patchDemo()).tolerations);
    expect((result as Json).metadata).toEqual({ name: 'patch-demo' });
  });

  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('gives the RFC 7386 appendix A result for %j patched with %j', (doc, patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });

  it('merges labels key by key and deletes the ones set to null', () => {
    const doc = { metadata: { labels: { app: 'web', tier: 'fe' }, name: 'x' } };
    const result = applyMergePatch(doc, { metadata: { labels: { tier: null, env: 'prod' } } });
    expect(result).toEqual({ metadata: { labels: { app: 'web', env: 'prod' }, name: 'x' } });
  });

  it('answers 400 for a patch that is not an object, which kube-apiserver never stores', () => {
    for (const patch of [null, 'bar', 1, ['c']]) {
      expect(patchErrorOf(() => applyMergePatch({ a: 1 }, patch))).toMatchObject({
        status: 400,
        message: 'Invalid JSON Patch',
      });
    }
  });

  it('mutates neither the document nor the patch, and shares nothing with them', () => {
    const doc = deepFreeze({ spec: { a: { b: 1 } } });
    const patch = deepFreeze({ spec: { c: { d: [1] }, a: { e: 2 } } });
    const result = applyMergePatch(doc, patch) as { spec: { c: { d: number[] } } };
    result.spec.c.d.push(2);
    expect(patch).toEqual({ spec: { c: { d: [1] }, a: { e: 2 } } });
    expect(result).toEqual({ spec: { a: { b: 1, e: 2 }, c: { d: [1, 2] } } });
  });
});

describe('applyStrategicMergePatch: the kubectl patch task page', () => {
  it('adds a container by name to a Deployment, and the new one comes first', () => {
    const result = smp(
      patchDemo(),
      podTemplate({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] }),
    );
    // The page shows redis above nginx: a new item has no server position to sort by.
    expect(podSpecOf(result).containers).toEqual([
      { name: 'patch-demo-ctr-2', image: 'redis' },
      { name: 'patch-demo-ctr', image: 'nginx' },
    ]);
  });

  it('replaces the tolerations list, whose field has no patch strategy', () => {
    const result = smp(
      patchDemo(),
      podTemplate({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }),
    );
    expect(podSpecOf(result).tolerations).toEqual([
      { effect: 'NoSchedule', key: 'disktype', value: 'ssd' },
    ]);
    expect(podSpecOf(result).containers).toEqual(podSpecOf(patchDemo()).containers);
  });

  it('merges where a JSON merge patch of the same body replaces the list', () => {
    const patch = podTemplate({
      containers: [{ name: 'patch-demo-ctr-3', image: 'gcr.io/google-samples/node-hello:1.0' }],
    });
    const names = (doc: unknown): unknown[] =>
      (podSpecOf(doc).containers as Json[]).map((c) => c.name);
    expect(names(smp(patchDemo(), patch))).toEqual(['patch-demo-ctr-3', 'patch-demo-ctr']);
    expect(names(applyMergePatch(patchDemo(), patch))).toEqual(['patch-demo-ctr-3']);
  });

  it('drops rollingUpdate with $retainKeys when switching to Recreate', () => {
    const retainkeysDemo = {
      metadata: { name: 'retainkeys-demo' },
      spec: {
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '30%', maxUnavailable: '25%' },
        },
      },
    };
    const withRetainKeys = smp(retainkeysDemo, {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    });
    expect(withRetainKeys.spec).toEqual({ strategy: { type: 'Recreate' } });
    // Without it the rollingUpdate stays, which Deployment validation then refuses.
    const without = smp(retainkeysDemo, { spec: { strategy: { type: 'Recreate' } } });
    expect((without.spec as Json).strategy).toEqual({
      type: 'Recreate',
      rollingUpdate: { maxSurge: '30%', maxUnavailable: '25%' },
    });
  });

  it("updates a Pod container's image by name and keeps its other fields", () => {
    const pod = {
      spec: {
        containers: [
          { name: 'kubernetes-serve-hostname', image: 'old', ports: [{ containerPort: 9376 }] },
        ],
      },
    };
    const result = smp(
      pod,
      { spec: { containers: [{ name: 'kubernetes-serve-hostname', image: 'new image' }] } },
      'Pod',
    );
    expect(result).toEqual({
      spec: {
        containers: [
          {
            name: 'kubernetes-serve-hostname',
            image: 'new image',
            ports: [{ containerPort: 9376 }],
          },
        ],
      },
    });
  });
});

describe('applyStrategicMergePatch: merge keys of the built-in types', () => {
  it('merges env by name, keeping server order, and replaces envFrom whole', () => {
    const doc = podTemplate({
      containers: [
        {
          name: 'app',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
          envFrom: [{ configMapRef: { name: 'x' } }],
        },
      ],
    });
    const result = smp(
      doc,
      podTemplate({
        containers: [
          {
            name: 'app',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
            envFrom: [{ secretRef: { name: 'y' } }],
          },
        ],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([
      {
        name: 'app',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
        envFrom: [{ secretRef: { name: 'y' } }],
      },
    ]);
  });

  it('merges ports by containerPort, mounts by mountPath, devices by devicePath', () => {
    const doc = podTemplate({
      containers: [
        {
          name: 'app',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
        },
      ],
    });
    const result = smp(
      doc,
      podTemplate({
        containers: [
          {
            name: 'app',
            ports: [{ containerPort: 80, name: 'http' }, { containerPort: 9090 }],
            volumeMounts: [{ mountPath: '/data', readOnly: true }],
            volumeDevices: [{ devicePath: '/dev/xvda', name: 'blk2' }],
          },
        ],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([
      {
        name: 'app',
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 9090 }],
        volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
        volumeDevices: [{ name: 'blk2', devicePath: '/dev/xvda' }],
      },
    ]);
  });

  it('merges initContainers and ephemeralContainers by name, container keys inside', () => {
    const doc = {
      spec: {
        initContainers: [{ name: 'init', image: 'busybox', env: [{ name: 'A', value: '1' }] }],
        ephemeralContainers: [{ name: 'debugger', image: 'busybox' }],
      },
    };
    const result = smp(
      doc,
      {
        spec: {
          initContainers: [{ name: 'init', env: [{ name: 'A', value: '2' }] }],
          ephemeralContainers: [{ name: 'debugger-2', image: 'alpine' }],
        },
      },
      'Pod',
    );
    expect(result.spec).toEqual({
      initContainers: [{ name: 'init', image: 'busybox', env: [{ name: 'A', value: '2' }] }],
      ephemeralContainers: [
        { name: 'debugger-2', image: 'alpine' },
        { name: 'debugger', image: 'busybox' },
      ],
    });
  });

  it('merges volumes, pull secrets, claims, spread constraints and host aliases by key', () => {
    const doc = podTemplate({
      volumes: [{ name: 'data', emptyDir: {} }],
      imagePullSecrets: [{ name: 'a' }],
      resourceClaims: [{ name: 'gpu', resourceClaimName: 'claim-a' }],
      topologySpreadConstraints: [
        { topologyKey: 'zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' },
      ],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['a.local'] }],
    });
    const result = smp(
      doc,
      podTemplate({
        volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }],
        imagePullSecrets: [{ name: 'b' }],
        resourceClaims: [{ name: 'gpu', resourceClaimName: 'claim-b' }],
        topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }],
        // hostnames has no patch strategy, so the alias's list is replaced.
        hostAliases: [{ ip: '10.0.0.1', hostnames: ['b.local'] }],
      }),
    );
    expect(podSpecOf(result)).toEqual({
      volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }],
      imagePullSecrets: [{ name: 'b' }, { name: 'a' }],
      resourceClaims: [{ name: 'gpu', resourceClaimName: 'claim-b' }],
      topologySpreadConstraints: [
        { topologyKey: 'zone', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' },
      ],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['b.local'] }],
    });
  });

  it.each([
    ['Pod', (spec: Json): Json => ({ spec }), (doc: Json) => doc.spec],
    ['Deployment', podTemplate, podSpecOf],
    ['StatefulSet', podTemplate, podSpecOf],
    ['DaemonSet', podTemplate, podSpecOf],
    ['ReplicaSet', podTemplate, podSpecOf],
    ['Job', podTemplate, podSpecOf],
    [
      'CronJob',
      (spec: Json): Json => ({ spec: { jobTemplate: { spec: { template: { spec } } } } }),
      (doc: Json) =>
        ((doc.spec as Json).jobTemplate as { spec: { template: { spec: Json } } }).spec.template
          .spec,
    ],
  ])('applies the pod spec merge keys where a %s keeps its pod spec', (kind, wrap, unwrap) => {
    const doc = wrap({
      containers: [
        {
          name: 'app',
          image: 'v1',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '1' },
          ],
        },
        { name: 'sidecar', image: 'proxy' },
      ],
      tolerations: [{ key: 'old', operator: 'Exists' }],
    });
    const patch = wrap({
      containers: [{ name: 'app', image: 'v2', env: [{ name: 'A', value: '2' }] }],
      tolerations: [{ key: 'new', operator: 'Exists' }],
    });
    expect(unwrap(smp(doc, patch, kind))).toEqual({
      containers: [
        {
          name: 'app',
          image: 'v2',
          env: [
            { name: 'A', value: '2' },
            { name: 'B', value: '1' },
          ],
        },
        { name: 'sidecar', image: 'proxy' },
      ],
      tolerations: [{ key: 'new', operator: 'Exists' }],
    });
  });

  it('merges Pod status conditions by type and replaces containerStatuses whole', () => {
    const pod = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'PodScheduled', status: 'True' },
        ],
        containerStatuses: [{ name: 'a', ready: true, restartCount: 0 }],
        podIPs: [{ ip: '10.1.0.5' }],
      },
    };
    const result = smp(
      pod,
      {
        status: {
          conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
          containerStatuses: [{ name: 'a', ready: false }],
          podIPs: [{ ip: 'fd00::5' }],
        },
      },
      'Pod',
    );
    expect(result.status).toEqual({
      conditions: [
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [{ name: 'a', ready: false }],
      podIPs: [{ ip: 'fd00::5' }, { ip: '10.1.0.5' }],
    });
  });

  it('merges Node status conditions and addresses by type', () => {
    const node = {
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '10.0.0.4' },
          { type: 'Hostname', address: 'node-a' },
        ],
      },
    };
    const result = smp(
      node,
      {
        status: {
          conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }],
          addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
        },
      },
      'Node',
    );
    expect(result.status).toEqual({
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' },
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'Hostname', address: 'node-a' },
      ],
    });
  });

  it("replaces a Node's taints whole: NodeSpec.taints has no patch strategy", () => {
    const node = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }], unschedulable: false } };
    const result = smp(
      node,
      { spec: { taints: [{ key: 'b', effect: 'NoExecute' }], unschedulable: true } },
      'Node',
    );
    expect(result.spec).toEqual({
      taints: [{ key: 'b', effect: 'NoExecute' }],
      unschedulable: true,
    });
  });

  it('merges Deployment status conditions by type', () => {
    const deployment = {
      status: {
        conditions: [
          { type: 'Available', status: 'True' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ],
      },
    };
    const result = smp(deployment, {
      status: {
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    });
    expect(result.status).toEqual({
      conditions: [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
      ],
    });
  });

  it('merges Service ports by port', () => {
    const service = {
      spec: {
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'https', port: 443, targetPort: 8443 },
        ],
      },
    };
    const result = smp(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service');
    expect(result.spec).toEqual({
      ports: [
        { name: 'http', port: 80, targetPort: 9090 },
        { name: 'https', port: 443, targetPort: 8443 },
      ],
    });
  });

  it('merges ownerReferences by uid', () => {
    const doc = {
      metadata: {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }],
      },
    };
    const result = smp(
      doc,
      { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
      'Pod',
    );
    expect(result.metadata).toEqual({
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true },
      ],
    });
  });

  it('adds finalizers as a set (ObjectMeta.finalizers is patchStrategy=merge)', () => {
    const doc = { metadata: { finalizers: ['example.com/a', 'example.com/b'] } };
    const result = smp(
      doc,
      { metadata: { finalizers: ['example.com/c', 'example.com/a'] } },
      'ConfigMap',
    );
    expect(result.metadata).toEqual({
      finalizers: ['example.com/c', 'example.com/a', 'example.com/b'],
    });
  });

  it('keeps a merged list the patch gives empty, and deletes one the patch gives null', () => {
    const doc = {
      metadata: { finalizers: ['example.com/a'] },
      spec: { containers: [{ name: 'a' }] },
    };
    expect(smp(doc, { metadata: { finalizers: [] }, spec: { containers: [] } }, 'Pod')).toEqual(
      doc,
    );
    expect(smp(doc, { metadata: { finalizers: null } }, 'Pod').metadata).toEqual({});
  });

  it('merges maps key by key and deletes the keys set to null', () => {
    const doc = { metadata: { name: 'x', labels: { app: 'web', tier: 'fe' } } };
    const result = smp(doc, {
      metadata: { labels: { tier: null, env: 'prod' }, annotations: { note: 'n', gone: null } },
    });
    expect(result.metadata).toEqual({
      name: 'x',
      labels: { app: 'web', env: 'prod' },
      annotations: { note: 'n' },
    });
  });

  it('gives kinds without a table entry the metadata rules only, replacing their lists', () => {
    const widget = {
      metadata: { finalizers: ['a'] },
      data: { a: '1' },
      spec: { items: [{ name: 'x', v: 1 }] },
    };
    const result = smp(
      widget,
      { metadata: { finalizers: ['b'] }, data: { b: '2' }, spec: { items: [{ name: 'y' }] } },
      'Widget',
    );
    expect(result).toEqual({
      metadata: { finalizers: ['b', 'a'] },
      data: { a: '1', b: '2' },
      spec: { items: [{ name: 'y' }] },
    });
  });

  it('replaces the selector of a PodDisruptionBudget (patchStrategy=replace on a map)', () => {
    const pdb = { spec: { selector: { matchLabels: { app: 'web' } }, minAvailable: 1 } };
    const result = smp(
      pdb,
      { spec: { selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] } } },
      'PodDisruptionBudget',
    );
    expect(result.spec).toEqual({
      selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      minAvailable: 1,
    });
    // A replaced value is taken as it stands, so a redundant $patch: replace changes nothing.
    const redundant = smp(
      pdb,
      { spec: { selector: { $patch: 'replace', matchLabels: { app: 'api' } } } },
      'PodDisruptionBudget',
    );
    expect(redundant.spec).toEqual({ selector: { matchLabels: { app: 'api' } }, minAvailable: 1 });
  });
});

describe('applyStrategicMergePatch: directives', () => {
  it('$patch: replace on a map replaces it instead of merging it', () => {
    const doc = podTemplate({ securityContext: { runAsUser: 1000, fsGroup: 2000 } });
    const result = smp(
      doc,
      podTemplate({ securityContext: { $patch: 'replace', runAsNonRoot: true } }),
    );
    expect(podSpecOf(result).securityContext).toEqual({ runAsNonRoot: true });
    // For a key the object lacks, kube-apiserver drops any map carrying $patch (removeDirectives).
    const absent = smp(doc, podTemplate({ affinity: { $patch: 'replace', nodeAffinity: {} } }));
    expect(podSpecOf(absent)).toEqual({ securityContext: { runAsUser: 1000, fsGroup: 2000 } });
  });

  it('$patch: replace in a list element makes the other elements the whole list', () => {
    const doc = podTemplate({ containers: [{ name: 'a', image: 'a' }, { name: 'b' }] });
    const result = smp(
      doc,
      podTemplate({ containers: [{ $patch: 'replace' }, { name: 'c', image: 'c' }] }),
    );
    expect(podSpecOf(result).containers).toEqual([{ name: 'c', image: 'c' }]);
  });

  it('$patch: delete in a list element deletes the element with that merge key', () => {
    const doc = podTemplate({
      containers: [
        {
          name: 'a',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
        { name: 'b' },
      ],
    });
    const result = smp(
      doc,
      podTemplate({
        containers: [
          { name: 'b', $patch: 'delete' },
          { name: 'a', env: [{ name: 'X', $patch: 'delete' }] },
        ],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([{ name: 'a', env: [{ name: 'Y', value: '2' }] }]);
  });

  it('$patch: delete on a map empties it, and adds nothing where the key was absent', () => {
    const doc = podTemplate({ securityContext: { runAsUser: 1000 } });
    const result = smp(
      doc,
      podTemplate({ securityContext: { $patch: 'delete' }, affinity: { $patch: 'delete' } }),
    );
    // kube-apiserver keeps the key with an empty map (mergeMap returns {}), it does not remove it.
    expect(podSpecOf(result)).toEqual({ securityContext: {} });
  });

  it('$patch: merge is refused on a map and in a list element, as kube-apiserver does', () => {
    const doc = podTemplate({ securityContext: { runAsUser: 1000 }, containers: [{ name: 'a' }] });
    expect(
      patchErrorOf(() =>
        smp(doc, podTemplate({ securityContext: { $patch: 'merge', runAsUser: 1 } })),
      ),
    ).toMatchObject({
      status: 400,
      message: 'unknown patch type: merge in map: map[$patch:merge runAsUser:1]',
    });
    expect(
      patchErrorOf(() => smp(doc, podTemplate({ containers: [{ name: 'a', $patch: 'merge' }] }))),
    ).toMatchObject({ status: 400, message: 'merging lists cannot yet be specified in the patch' });
  });

  it('refuses an unknown $patch value with 400', () => {
    expect(
      patchErrorOf(() => smp({ spec: { a: {} } }, { spec: { a: { $patch: 'remove' } } })),
    ).toMatchObject({
      status: 400,
      message: 'unknown patch type: remove in map: map[$patch:remove]',
    });
  });

  it('$retainKeys clears the keys it does not list and merges the ones it does', () => {
    const doc = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const result = smp(doc, {
      spec: {
        strategy: { $retainKeys: ['type', 'rollingUpdate'], rollingUpdate: { maxUnavailable: 0 } },
      },
    });
    expect(result.spec).toEqual({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
  });

  it('$retainKeys answers 400 when the patch sets a key it does not list', () => {
    const doc = { spec: { strategy: { type: 'RollingUpdate' } } };
    const patch = {
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } },
      },
    };
    expect(patchErrorOf(() => smp(doc, patch))).toMatchObject({
      status: 400,
      message: 'invalid patch format of retainKeys',
    });
    // A key the patch deletes need not be listed.
    const deleting = {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } },
    };
    expect(smp(doc, deleting).spec).toEqual({ strategy: { type: 'Recreate' } });
  });

  it('$deleteFromPrimitiveList removes values, from lists without merge strategy too', () => {
    const doc = {
      metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] },
      spec: { externalIPs: ['1.1.1.1', '2.2.2.2'] },
    };
    const result = smp(
      doc,
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/b', 'example.com/x'] },
        spec: { '$deleteFromPrimitiveList/externalIPs': ['1.1.1.1'] },
      },
      'Service',
    );
    expect(result).toEqual({
      metadata: { finalizers: ['example.com/a', 'example.com/c'] },
      spec: { externalIPs: ['2.2.2.2'] },
    });
  });

  it('$deleteFromPrimitiveList adds no list where none is, and needs a field name', () => {
    const doc = { metadata: { name: 'x' } };
    expect(smp(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } })).toEqual(doc);
    expect(
      patchErrorOf(() => smp(doc, { metadata: { $deleteFromPrimitiveList: ['a'] } })),
    ).toMatchObject({ status: 400, message: 'invalid patch format of primitive list' });
  });

  it('$setElementOrder puts a merge-keyed list in the given order', () => {
    const doc = podTemplate({
      containers: [
        {
          name: 'app',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '1' },
            { name: 'C', value: '1' },
          ],
        },
      ],
    });
    const result = smp(
      doc,
      podTemplate({
        containers: [
          {
            name: 'app',
            '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }, { name: 'A' }],
            env: [{ name: 'C', value: '2' }],
          },
        ],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([
      {
        name: 'app',
        env: [
          { name: 'B', value: '1' },
          { name: 'C', value: '2' },
          { name: 'A', value: '1' },
        ],
      },
    ]);
  });

  it('$setElementOrder orders a list of scalars such as finalizers', () => {
    const doc = { metadata: { finalizers: ['a', 'b'] } };
    const result = smp(doc, {
      metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'], finalizers: ['c'] },
    });
    expect(result.metadata).toEqual({ finalizers: ['b', 'c', 'a'] });
  });

  it('$setElementOrder places server-only items like kube-apiserver amid deletions', () => {
    // The shape kubectl apply sends when one container replaces another; the order follows
    // apimachinery's "add map and delete map from merging list" case.
    const doc = podTemplate({
      containers: [{ name: 'a' }, { name: 'b', image: 'b' }, { name: 'd', image: 'd' }],
    });
    const result = smp(
      doc,
      podTemplate({
        '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }],
        containers: [{ name: 'c' }, { name: 'a', $patch: 'delete' }],
      }),
    );
    expect(podSpecOf(result).containers).toEqual([
      { name: 'b', image: 'b' },
      { name: 'd', image: 'd' },
      { name: 'c' },
    ]);
  });

  it('$setElementOrder answers 400 when the patch list is out of its order', () => {
    const doc = podTemplate({ containers: [{ name: 'a' }, { name: 'b' }] });
    const error = patchErrorOf(() =>
      smp(
        doc,
        podTemplate({
          '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
          containers: [
            { name: 'b', image: 'b' },
            { name: 'a', image: 'a' },
          ],
        }),
      ),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain("doesn't match $setElementOrder list");
  });

  it('drops directive keys and nulls from the values it adds, as typed decoding does', () => {
    const doc = podTemplate({ containers: [{ name: 'app' }] });
    const result = smp(
      doc,
      podTemplate({
        containers: [
          {
            name: 'side',
            image: 'busybox',
            command: null,
            '$setElementOrder/env': [{ name: 'A' }],
            env: [{ name: 'A', value: '1', valueFrom: null }],
          },
        ],
        securityContext: { runAsUser: 1, fsGroup: null },
      }),
    );
    expect(podSpecOf(result)).toEqual({
      containers: [
        { name: 'side', image: 'busybox', env: [{ name: 'A', value: '1' }] },
        { name: 'app' },
      ],
      securityContext: { runAsUser: 1 },
    });
  });
});

describe('applyStrategicMergePatch: errors and inputs', () => {
  it('answers 400 with the apiserver message when a patch element lacks its merge key', () => {
    const error = patchErrorOf(() =>
      smp(patchDemo(), podTemplate({ containers: [{ image: 'httpd' }] })),
    );
    expect(error).toMatchObject({
      status: 400,
      message: 'map: map[image:httpd] does not contain declared merge key: name',
    });
    const port = patchErrorOf(() =>
      smp(
        { spec: { ports: [{ port: 80 }] } },
        { spec: { ports: [{ targetPort: 441 }] } },
        'Service',
      ),
    );
    expect(port.message).toBe('map: map[targetPort:441] does not contain declared merge key: port');
  });

  it('answers 400 when the stored list holds an element without its merge key', () => {
    // kubernetes/kubernetes#98963: an empty imagePullSecrets entry blocks later patches.
    const doc = podTemplate({ imagePullSecrets: [{}] });
    const error = patchErrorOf(() =>
      smp(doc, podTemplate({ imagePullSecrets: [{ name: 'regcred' }] })),
    );
    expect(error).toMatchObject({
      status: 400,
      message: 'map: map[] does not contain declared merge key: name',
    });
  });

  it('answers 422 for a list of lists', () => {
    const error = patchErrorOf(() =>
      smp({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }),
    );
    expect(error).toMatchObject({ status: 422, message: 'lists of lists are not supported' });
  });

  it('answers 400 for a patch that is not an object, and treats null as an empty patch', () => {
    expect(patchErrorOf(() => smp({}, []))).toMatchObject({
      status: 400,
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    });
    expect(smp(patchDemo(), null)).toEqual(patchDemo());
  });

  it('answers 400 for a $setElementOrder that is not a list', () => {
    expect(
      patchErrorOf(() => smp(patchDemo(), podTemplate({ '$setElementOrder/containers': 'a' }))),
    ).toMatchObject({ status: 400, message: 'expected a []interface {}, but received a string' });
  });

  it('mutates neither the document nor the patch, and shares nothing with them', () => {
    const doc = deepFreeze(patchDemo());
    const patch = deepFreeze(
      podTemplate({
        containers: [
          { name: 'patch-demo-ctr', env: [{ name: 'A', value: '1' }] },
          { name: 'new', image: 'redis', args: ['x'] },
        ],
        tolerations: [{ key: 't' }],
        nodeSelector: { disk: 'ssd' },
      }),
    );
    const result = smp(doc, patch);
    const spec = podSpecOf(result) as {
      containers: { args?: string[]; env?: Json[] }[];
      tolerations: Json[];
      nodeSelector: Json;
    };
    spec.containers.forEach((c) => {
      c.args?.push('y');
      c.env?.push({ name: 'B' });
    });
    spec.tolerations.push({ key: 'u' });
    spec.nodeSelector.zone = 'a';
    expect(doc).toEqual(patchDemo());
    expect(podSpecOf(patch).nodeSelector).toEqual({ disk: 'ssd' });
  });
});
