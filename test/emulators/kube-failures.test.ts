// The failures the cluster doctor reads, as the simulator plays them from a scenario's
// facts and objects, in the words of the real kubelet and controllers: probes (and which
// one), init containers, an image for another CPU, a Secret volume that is missing,
// ResourceQuota and LimitRange admission, claims and StorageClasses, node conditions, the
// Job's back-off limit and the HorizontalPodAutoscaler at its maximum.
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const kind = (apiVersion: string, k: string) => resourceForKind(apiVersion, k)!;
const list = (apiVersion: string, k: string, namespace = 'shop'): Any[] =>
  kube.store.list(kind(apiVersion, k), namespace) as Any[];
const pods = () => list('v1', 'Pod');
const messages = (reason: string) =>
  list('v1', 'Event')
    .filter((e) => e.reason === reason)
    .map((e) => e.message as string);

function deployment(spec: Record<string, unknown>, replicas = 1, name = 'app'): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  } as KObject;
}

async function play(s: Partial<Scenario>): Promise<void> {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, {
    description: 'a failure',
    nodes: [{ name: 'worker-1' }],
    settleSeconds: 180,
    ...s,
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      ...(s.objects ?? []),
    ],
  });
}

describe('the simulated kubelet', () => {
  it('says which probe fails: readiness by its kind (HTTP status, TCP dial), liveness with the kill', async () => {
    await play({
      facts: { images: { 'acme/web:1': { unready: true }, 'acme/hang:1': { liveness: true } } },
      objects: [
        deployment({
          containers: [
            {
              name: 'web',
              image: 'acme/web:1',
              readinessProbe: { httpGet: { path: '/ready', port: 80 } },
            },
            { name: 'grpc', image: 'acme/web:1', readinessProbe: { tcpSocket: { port: 50051 } } },
            {
              name: 'hang',
              image: 'acme/hang:1',
              livenessProbe: {
                httpGet: { path: '/healthz', port: 8080 },
                periodSeconds: 10,
                failureThreshold: 3,
              },
            },
          ],
        }),
      ],
    });
    expect(messages('Unhealthy').sort()).toEqual([
      'Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Readiness probe failed: HTTP probe failed with statuscode: 503',
      expect.stringMatching(
        /^Readiness probe failed: dial tcp 10\.[\d.]+:50051: connect: connection refused$/,
      ),
    ]);
    expect(messages('Killing')).toEqual([
      'Container hang failed liveness probe, will be restarted',
    ]);
    const hang = pods()[0].status.containerStatuses.find((c: Any) => c.name === 'hang');
    expect(hang.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(hang.restartCount).toBeGreaterThan(1);
  });

  it('keeps a pod in Init while an init container fails, and runs it once the init container completes', async () => {
    await play({
      facts: {
        images: { 'acme/migrate:1': { crash: { exitCode: 1, message: 'migration failed' } } },
      },
      objects: [
        deployment({
          initContainers: [{ name: 'migrate', image: 'acme/migrate:1' }],
          containers: [{ name: 'app', image: 'acme/app:1' }],
        }),
      ],
    });
    const [pod] = pods();
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Initialized',
        status: 'False',
        reason: 'ContainersNotInitialized',
      }),
    );
    expect(pod.status.initContainerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    expect(pod.status.initContainerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 1 });
    expect(pod.status.containerStatuses[0].state).toEqual({
      waiting: { reason: 'PodInitializing' },
    });
    expect(await logs(pod, 'migrate', true)).toContain('migration failed');
    // Fixed: the init container completes and the app runs.
    delete kube.sim.facts.images['acme/migrate:1'];
    kube.advance(60_000);
    const [fixed] = pods();
    expect(fixed.status.initContainerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(fixed.status.containerStatuses[0].state.running).toBeDefined();
  });

  it('fails an image built for another CPU at exec, as runc does, and runs it on a node of its own', async () => {
    const on = (arch: string) => ({
      nodeSelector: { 'kubernetes.io/arch': arch },
      containers: [{ name: 'tool', image: 'acme/tool:1', command: ['/bin/tool'] }],
    });
    await play({
      facts: { images: { 'acme/tool:1': { arch: 'arm64' } } },
      nodes: [{ name: 'worker-1' }, { name: 'pi-1', labels: { 'kubernetes.io/arch': 'arm64' } }],
      objects: [deployment(on('amd64'), 1, 'x86'), deployment(on('arm64'), 1, 'arm')],
    });
    const [x86] = pods().filter((p) => p.metadata.labels.app === 'x86');
    const [arm] = pods().filter((p) => p.metadata.labels.app === 'arm');
    expect(x86.status.containerStatuses[0].lastState.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    expect(await logs(x86, 'tool', true)).toBe('exec /bin/tool: exec format error\n');
    expect(arm.status.containerStatuses[0].state.running).toBeDefined();
  });

  it('keeps containers in ContainerCreating while a Secret volume is missing, with the mount error', async () => {
    await play({
      objects: [
        deployment({
          containers: [{ name: 'app', image: 'acme/app:1' }],
          volumes: [{ name: 'tls', secret: { secretName: 'api-tls' } }],
        }),
      ],
    });
    expect(pods()[0].status.containerStatuses[0].state).toEqual({
      waiting: { reason: 'ContainerCreating' },
    });
    expect(messages('FailedMount')).toEqual([
      'MountVolume.SetUp failed for volume "tls" : secret "api-tls" not found',
    ]);
  });
});

describe('the simulated controllers', () => {
  it('refuse pods over a ResourceQuota or outside a LimitRange, as admission words it, on the ReplicaSet', async () => {
    const limits = (memory: string) => ({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { memory },
    });
    await play({
      objects: [
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'compute', namespace: 'shop' },
          spec: { hard: { 'limits.memory': '1Gi' } },
        } as KObject,
        {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'caps', namespace: 'shop' },
          spec: { limits: [{ type: 'Container', max: { memory: '2Gi' } }] },
        } as KObject,
        deployment(
          { containers: [{ name: 'app', image: 'acme/app:1', resources: limits('512Mi') }] },
          3,
        ),
        deployment(
          { containers: [{ name: 'big', image: 'acme/app:1', resources: limits('4Gi') }] },
          1,
          'big',
        ),
      ],
    });
    expect(pods().filter((p) => p.metadata.labels.app === 'app')).toHaveLength(2);
    expect(messages('FailedCreate').sort()).toEqual([
      expect.stringMatching(
        /^Error creating: pods "app-\S+" is forbidden: exceeded quota: compute, requested: limits\.memory=512Mi, used: limits\.memory=1Gi, limited: limits\.memory=1Gi$/,
      ),
      expect.stringMatching(
        /^Error creating: pods "big-\S+" is forbidden: maximum memory usage per Container is 2Gi, but limit is 4Gi$/,
      ),
    ]);
  });

  it("leave a claim Pending with the PersistentVolume controller's event, and bind it once its class exists", async () => {
    await play({
      objects: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', namespace: 'shop' },
          spec: {
            storageClassName: 'fast-ssd',
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '5Gi' } },
          },
        } as KObject,
        deployment({
          containers: [{ name: 'app', image: 'acme/app:1' }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        }),
      ],
    });
    expect(list('v1', 'PersistentVolumeClaim')[0].status.phase).toBe('Pending');
    expect(messages('ProvisioningFailed')).toEqual([
      'storageclass.storage.k8s.io "fast-ssd" not found',
    ]);
    expect(messages('FailedScheduling')[0]).toMatch(
      /pod has unbound immediate PersistentVolumeClaims/,
    );
    kube.seed(kind('storage.k8s.io/v1', 'StorageClass'), {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast-ssd' },
      provisioner: 'ebs.csi.aws.com',
    } as unknown as KObject);
    kube.advance(10_000);
    expect(list('v1', 'PersistentVolumeClaim')[0].status).toMatchObject({
      phase: 'Bound',
      capacity: { storage: '5Gi' },
    });
    expect(pods()[0].spec.nodeName).toBe('worker-1');
  });

  it('report node conditions from the facts: DiskPressure with its taint, NotReady with the unreachable taints and its pods not ready', async () => {
    await play({
      facts: {
        nodeConditions: {
          'worker-1': [{ type: 'DiskPressure', afterSeconds: 60 }],
          'worker-2': [{ type: 'NotReady', afterSeconds: 60 }],
        },
      },
      nodes: [{ name: 'worker-1', cpu: '1' }, { name: 'worker-2' }],
      settleSeconds: 30,
      objects: [
        deployment(
          {
            containers: [
              { name: 'app', image: 'acme/app:1', resources: { requests: { cpu: '600m' } } },
            ],
          },
          2,
        ),
      ],
    });
    kube.advance(60_000);
    const node = (name: string): Any => kube.store.get(kind('v1', 'Node'), undefined, name);
    expect(node('worker-1').status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'DiskPressure',
        status: 'True',
        reason: 'KubeletHasDiskPressure',
        message: 'kubelet has disk pressure',
      }),
    );
    expect(node('worker-1').spec.taints).toContainEqual(
      expect.objectContaining({ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }),
    );
    expect(node('worker-2').status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
      }),
    );
    expect(node('worker-2').spec.taints.map((t: Any) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
    const onWorker2 = pods().find((p) => p.spec.nodeName === 'worker-2');
    expect(onWorker2.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False' }),
    );
  });

  it("mark a Job past its backoffLimit with the job controller's event", async () => {
    await play({
      facts: { images: { 'acme/export:1': { crash: { exitCode: 1 } } } },
      settleSeconds: 400,
      objects: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'export', namespace: 'shop' },
          spec: {
            backoffLimit: 2,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'export', image: 'acme/export:1' }],
              },
            },
          },
        } as KObject,
      ],
    });
    expect(messages('BackoffLimitExceeded')).toEqual([
      'Job has reached the specified backoff limit',
    ]);
    expect(list('batch/v1', 'Job')[0].status.failed).toBe(3);
  });

  it("scale to the HorizontalPodAutoscaler's maximum and say it is limited there", async () => {
    await play({
      facts: { cpuUtilization: { 'shop/app': 200 } },
      objects: [
        deployment(
          {
            containers: [
              { name: 'app', image: 'acme/app:1', resources: { requests: { cpu: '100m' } } },
            ],
          },
          2,
        ),
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'app', namespace: 'shop' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' },
            minReplicas: 2,
            maxReplicas: 4,
            metrics: [
              {
                type: 'Resource',
                resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
              },
            ],
          },
        } as KObject,
      ],
    });
    const [hpa] = list('autoscaling/v2', 'HorizontalPodAutoscaler');
    expect(hpa.status).toMatchObject({ currentReplicas: 4, desiredReplicas: 4 });
    expect(hpa.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'ScalingLimited',
        status: 'True',
        reason: 'TooManyReplicas',
        message: 'the desired replica count is more than the maximum replica count',
      }),
    );
    expect(messages('SuccessfulRescale')).toEqual([
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
    ]);
  });
});

async function logs(pod: Any, container: string, previous: boolean): Promise<string> {
  return kube.sim.podLog(
    'shop',
    pod.metadata.name,
    new URLSearchParams({ container, previous: String(previous) }),
  );
}
