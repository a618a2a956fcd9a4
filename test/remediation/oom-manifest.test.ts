// The oom playbook's proposal: the memory limit raised by a share with a cap, written
// into the user's manifest in place, comments and layout kept, and checked by parsing
// the result again.
import {
  findManifests,
  ManifestEditError,
  setContainerMemory,
} from '../../src/remediation/manifest.js';
import { formatMemory, parseMemory, raiseMemory } from '../../src/remediation/memory.js';

describe('memory arithmetic', () => {
  it('reads and writes quantities the way people write them', () => {
    expect(parseMemory('256Mi')).toBe(256 * 1024 ** 2);
    expect(parseMemory('1.5Gi')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('512M')).toBe(512e6);
    expect(parseMemory('lots')).toBeUndefined();
    expect(formatMemory(2 * 1024 ** 3)).toBe('2Gi');
    expect(formatMemory(320 * 1024 ** 2)).toBe('320Mi');
  });

  it('raises limit and request by the share, never past the cap, and says when there is nothing to raise', () => {
    expect(raiseMemory({ limit: '256Mi', request: '128Mi' }, { percent: 25, cap: '8Gi' })).toEqual({
      limit: '320Mi',
      request: '160Mi',
      capped: false,
    });
    expect(raiseMemory({ limit: '7Gi', request: '7Gi' }, { percent: 25, cap: '8Gi' })).toEqual({
      limit: '8Gi',
      request: '8Gi',
      capped: true,
    });
    expect(raiseMemory({ limit: undefined, request: '1Gi' }, { percent: 25, cap: '8Gi' })).toEqual({
      refused: 'the container sets no memory limit: the node, not a limit, killed it',
    });
    expect(raiseMemory({ limit: '8Gi', request: undefined }, { percent: 25, cap: '8Gi' })).toEqual({
      refused: 'the memory limit 8Gi is already at or above the cap 8Gi',
    });
  });
});

const DEPLOYMENT = `# The order worker: drains the queue.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: order-worker
  namespace: shop # owned by team shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: order-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: order-worker
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/order-worker:1.4.2
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi # raised in March
        - name: sidecar
          image: envoyproxy/envoy:v1.31.0
          resources:
            limits:
              memory: 64Mi
---
apiVersion: v1
kind: Service
metadata:
  name: order-worker
spec:
  ports:
    - port: 80
`;

describe('manifests in the repository', () => {
  it('finds the document that declares the workload, namespace left out or matching', () => {
    const files = [
      { path: 'apps/shop/worker.yaml', text: DEPLOYMENT },
      {
        path: 'apps/other/worker.yaml',
        text: DEPLOYMENT.replace('namespace: shop', 'namespace: other'),
      },
      {
        path: 'apps/shop/kustomized.yaml',
        text: DEPLOYMENT.replace('  namespace: shop # owned by team shop\n', ''),
      },
      { path: 'broken.yaml', text: 'a: [' },
    ];
    expect(
      findManifests(files, { kind: 'Deployment', name: 'order-worker', namespace: 'shop' }),
    ).toEqual([
      { path: 'apps/shop/worker.yaml', document: 0 },
      { path: 'apps/shop/kustomized.yaml', document: 0 },
    ]);
  });

  it('changes the two memory values in place and nothing else: comments, order and the sidecar kept', () => {
    const out = setContainerMemory(DEPLOYMENT, 0, 'Deployment', 'worker', {
      limits: '320Mi',
      requests: '160Mi',
    });
    const diff = DEPLOYMENT.split('\n')
      .map((line, i) => [line, out.split('\n')[i]])
      .filter(([a, b]) => a !== b);
    expect(diff).toEqual([
      ['              memory: 128Mi', '              memory: 160Mi'],
      [
        '              memory: 256Mi # raised in March',
        '              memory: 320Mi # raised in March',
      ],
    ]);
  });

  it('adds the fields a container lacks, indented like its neighbours', () => {
    const resources = [
      '          resources:',
      '            requests:',
      '              cpu: 100m',
      '              memory: 128Mi',
      '            limits:',
      '              memory: 256Mi # raised in March',
      '',
    ].join('\n');
    const bare = DEPLOYMENT.replace(resources, '');
    expect(bare).not.toBe(DEPLOYMENT);
    const out = setContainerMemory(bare, 0, 'Deployment', 'worker', {
      limits: '512Mi',
      requests: undefined,
    });
    expect(out).toContain(
      '          image: ghcr.io/acme/order-worker:1.4.2\n          resources:\n            limits:\n              memory: 512Mi\n        - name: sidecar',
    );
    const sidecar = setContainerMemory(DEPLOYMENT, 0, 'Deployment', 'sidecar', {
      limits: '80Mi',
      requests: '80Mi',
    });
    expect(sidecar).toContain(
      '          resources:\n            limits:\n              memory: 80Mi\n            requests:\n              memory: 80Mi\n---',
    );
  });

  it('edits a CronJob and the second document of a file', () => {
    const cron = `apiVersion: v1
kind: ConfigMap
metadata: { name: x }
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - image: restic/restic:0.17.3
              name: restic
              resources:
                limits: { memory: 1Gi }
`;
    expect(
      setContainerMemory(cron, 1, 'CronJob', 'restic', { limits: '2Gi', requests: undefined }),
    ).toBe(cron.replace('limits: { memory: 1Gi }', 'limits: { memory: 2Gi }'));
    const block = cron.replace(
      '                limits: { memory: 1Gi }',
      '                limits:\n                  memory: "1Gi"',
    );
    const out = setContainerMemory(block, 1, 'CronJob', 'restic', {
      limits: '2Gi',
      requests: undefined,
    });
    expect(out).toBe(block.replace('memory: "1Gi"', 'memory: "2Gi"'));
  });

  it('walks past comments and blank lines, and leaves a same-named field elsewhere alone', () => {
    const noisy = DEPLOYMENT.replace(
      '      containers:\n',
      '      # the containers\n\n      containers:\n\n',
    ).replace('  replicas: 2\n', '  replicas: 2\n  # memory: 1Gi is not this\n');
    const out = setContainerMemory(noisy, 0, 'Deployment', 'worker', {
      limits: '300Mi',
      requests: undefined,
    });
    expect(out).toContain('  # memory: 1Gi is not this\n');
    expect(out).toContain('              memory: 300Mi # raised in March');
    expect(out).toContain('              memory: 128Mi\n');
  });

  it('refuses what it cannot edit safely, and says why', () => {
    expect(() =>
      setContainerMemory(DEPLOYMENT, 0, 'Deployment', 'nope', {
        limits: '1Gi',
        requests: undefined,
      }),
    ).toThrow(ManifestEditError);
    expect(() =>
      setContainerMemory(DEPLOYMENT, 0, 'Pod', 'worker', { limits: '1Gi', requests: undefined }),
    ).toThrow('kubemend does not edit Pod manifests');
  });
});
