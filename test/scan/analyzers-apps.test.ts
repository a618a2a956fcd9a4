// The Job, CronJob, Ingress, HorizontalPodAutoscaler and Certificate analyzers, run by
// scanCluster with the real client-node against the Kubernetes emulator. Jobs fail by the
// facts of their image, as the emulator's Job controller fails them; the emulator has no
// CronJob, HPA or cert-manager controller, so those statuses are written as those
// controllers write them, through the status subresource or at creation.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { scanCluster, type Finding } from '../../src/scan/scan.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { CERT_MANAGER_CRD } from './cert-manager.js';

let kube: KubeEmulator | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

const base: Scenario = {
  description: 'one node; a report that works and a migration that exits 1',
  facts: {
    images: {
      'example.com/report:1': { crash: { exitCode: 0, runSeconds: 20 } },
      'example.com/migrate:1': { crash: { exitCode: 1, runSeconds: 3, message: 'no such table' } },
      'example.com/export:1': { crash: { exitCode: 0, runSeconds: 3600 } },
    },
  },
  nodes: [{ name: 'node-1' }],
  settleSeconds: 0,
  objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } as KObject],
};

async function cluster(clockStart?: number): Promise<KubeEmulator> {
  kube = await new KubeEmulator(clockStart ? { clockStart } : {}).listen();
  loadScenario(kube, base);
  return kube;
}

const seed = (apiVersion: string, kind: string, object: Record<string, unknown>): KObject =>
  kube!.seed(resourceForKind(apiVersion, kind)!, { apiVersion, kind, ...object } as KObject);

async function scan(analyzers: string[]) {
  const kc = new KubeConfig();
  kc.loadFromString(kube!.kubeconfig());
  return scanCluster(new KubeClient(kc, { dryRun: false, backoffMs: 5 }), {
    cluster: 'lab',
    analyzers,
  });
}

const targets = (findings: Finding[]) =>
  findings.map((f) => `${f.analyzer} ${f.target.kind}/${f.namespace}/${f.target.name}`);

/** Writes a status through the status subresource, as the object's controller would. */
async function writeStatus(path: string, status: object): Promise<void> {
  const response = await fetch(`${kube!.url}${path}/status`, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/merge-patch+json',
      authorization: `Bearer ${JSON.parse(kube!.kubeconfig()).users[0].user.token}`,
    },
    body: JSON.stringify({ status }),
  });
  expect(response.status).toBe(200);
}

// ---- jobs ----

const jobSpec = (image: string) => ({
  backoffLimit: 1,
  template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } },
});

function cronJob(name: string, schedule: string, extra: Record<string, unknown> = {}): KObject {
  const { status, ...spec } = extra;
  return seed('batch/v1', 'CronJob', {
    metadata: { name, namespace: 'shop' },
    spec: {
      schedule,
      jobTemplate: { spec: jobSpec('example.com/report:1') },
      ...spec,
    },
    ...(status ? { status } : {}),
  });
}

/** A Job as the CronJob controller makes it: named after its scheduled minute, owned by it. */
function scheduledJob(cron: KObject, image: string): KObject {
  const minute = Math.floor(kube!.clock.now() / 60_000);
  return seed('batch/v1', 'Job', {
    metadata: {
      name: `${cron.metadata.name}-${minute}`,
      namespace: 'shop',
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cron.metadata.name,
          uid: cron.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: jobSpec(image),
  });
}

describe('the job analyzer', () => {
  it("finds a failed Job, and a CronJob whose newest Job failed, with the Job controller's reason", async () => {
    await cluster();
    seed('batch/v1', 'Job', {
      metadata: { name: 'migrate', namespace: 'shop' },
      spec: jobSpec('example.com/migrate:1'),
    });
    const nightly = cronJob('nightly', '0 3 * * *');
    const run = scheduledJob(nightly, 'example.com/migrate:1');
    kube!.advance(10 * 60_000);
    const { findings } = await scan(['job']);
    expect(findings).toEqual([
      {
        analyzer: 'job',
        category: 'workload',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Job', name: 'migrate' },
        evidence: [
          'BackoffLimitExceeded: Job has reached the specified backoff limit',
          '2 pod(s) failed, 0 succeeded of 1 completion(s)',
        ],
      },
      {
        analyzer: 'job',
        category: 'workload',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'CronJob', name: 'nightly' },
        evidence: [
          `job ${run.metadata.name}: BackoffLimitExceeded: Job has reached the specified backoff limit`,
          '2 pod(s) failed, 0 succeeded of 1 completion(s)',
        ],
      },
    ]);
  });

  it('finds a Job past its activeDeadlineSeconds with DeadlineExceeded', async () => {
    await cluster();
    seed('batch/v1', 'Job', {
      metadata: { name: 'export', namespace: 'shop' },
      spec: { ...jobSpec('example.com/export:1'), activeDeadlineSeconds: 120 },
    });
    kube!.advance(60_000);
    expect((await scan(['job'])).findings).toEqual([]);
    kube!.advance(2 * 60_000);
    expect((await scan(['job'])).findings).toEqual([
      expect.objectContaining({
        target: { kind: 'Job', name: 'export' },
        evidence: [
          'DeadlineExceeded: Job was active longer than specified deadline',
          expect.stringMatching(/succeeded of 1 completion/),
        ],
      }),
    ]);
  });

  it('finds nothing for a CronJob whose newest Job succeeded after an older one failed', async () => {
    await cluster();
    const hourly = cronJob('hourly', '0 * * * *');
    scheduledJob(hourly, 'example.com/migrate:1');
    kube!.advance(60 * 60_000);
    expect(targets((await scan(['job'])).findings)).toEqual(['job CronJob/shop/hourly']);
    scheduledJob(hourly, 'example.com/report:1');
    kube!.advance(5 * 60_000);
    const jobs = await scan(['job']);
    expect(jobs.findings).toEqual([]);
  });
});

// ---- cronjobs ----

describe('the cronjob analyzer', () => {
  const at = (iso: string) => Date.parse(iso);

  it('finds a CronJob that missed its schedule (in its time zone), with the time it was due', async () => {
    await cluster(at('2026-03-02T02:00:00Z'));
    cronJob('nightly', '0 3 * * *', { status: { lastScheduleTime: '2026-03-01T03:00:00Z' } });
    // 04:00 in Berlin is 03:00 UTC in March (CET).
    cronJob('berlin', '0 4 * * *', {
      timeZone: 'Europe/Berlin',
      status: { lastScheduleTime: '2026-03-01T03:00:00Z' },
    });
    cronJob('weekly', '@weekly', { status: {} });
    kube!.advance(80 * 60_000); // 03:20 UTC
    const { findings } = await scan(['cronjob']);
    expect(findings).toEqual([
      expect.objectContaining({
        target: { kind: 'CronJob', name: 'berlin' },
        evidence: [
          'schedule "0 4 * * *" (Europe/Berlin), last scheduled 2026-03-01T03:00:00Z; missed the run due 2026-03-02T03:00:00Z',
        ],
      }),
      expect.objectContaining({
        analyzer: 'cronjob',
        category: 'workload',
        severity: 'warning',
        namespace: 'shop',
        target: { kind: 'CronJob', name: 'nightly' },
        evidence: [
          'schedule "0 3 * * *" (UTC), last scheduled 2026-03-01T03:00:00Z; missed the run due 2026-03-02T03:00:00Z',
        ],
      }),
    ]);
  });

  it('finds nothing for a CronJob on schedule, suspended, created after its run was due, or not yet late enough', async () => {
    await cluster(at('2026-03-02T02:00:00Z'));
    const yesterday = { lastScheduleTime: '2026-03-01T03:00:00Z' };
    cronJob('on-time', '0 3 * * *', { status: yesterday });
    cronJob('paused', '0 3 * * *', { suspend: true, status: yesterday });
    cronJob('slow', '0 3 * * *', { status: yesterday });
    kube!.advance(60 * 60_000); // 03:00
    await writeStatus('/apis/batch/v1/namespaces/shop/cronjobs/on-time', {
      lastScheduleTime: '2026-03-02T03:00:00Z',
    });
    cronJob('brand-new', '0 3 * * *', { status: {} });
    kube!.advance(10 * 60_000); // 03:10
    cronJob('quarter', '*/15 * * * *', { status: {} });
    // slow is 10 minutes late: not yet missed (15 minutes by default).
    expect((await scan(['cronjob'])).findings).toEqual([]);
    kube!.advance(19 * 60_000); // 03:29
    expect(targets((await scan(['cronjob'])).findings)).toEqual(['cronjob CronJob/shop/slow']);
  });
});

// ---- ingresses ----

describe('the ingress analyzer', () => {
  const ingress = (name: string, paths: { path: string; service: string; port: object }[]) =>
    seed('networking.k8s.io/v1', 'Ingress', {
      metadata: { name, namespace: 'shop' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: paths.map((p) => ({
                path: p.path,
                pathType: 'Prefix',
                backend: { service: { name: p.service, port: p.port } },
              })),
            },
          },
        ],
      },
    });

  beforeEach(async () => {
    await cluster();
    seed('v1', 'Service', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
  });

  it('finds an Ingress whose backend Service is missing or lacks the port', async () => {
    ingress('shop', [
      { path: '/', service: 'storefront', port: { number: 80 } },
      { path: '/api', service: 'web', port: { name: 'grpc' } },
    ]);
    expect((await scan(['ingress'])).findings).toEqual([
      {
        analyzer: 'ingress',
        category: 'workload',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Ingress', name: 'shop' },
        evidence: [
          'rule shop.example.com/: services "storefront" not found',
          'rule shop.example.com/api: service "web" has no port grpc (ports: http 80)',
        ],
      },
    ]);
  });

  it('finds nothing for an Ingress whose Service exists with the port, by number or name', async () => {
    ingress('web', [
      { path: '/', service: 'web', port: { number: 80 } },
      { path: '/app', service: 'web', port: { name: 'http' } },
    ]);
    expect((await scan(['ingress'])).findings).toEqual([]);
  });
});

// ---- autoscalers ----

describe('the hpa analyzer', () => {
  const hpa = (name: string, target: string, status: object) =>
    seed('autoscaling/v2', 'HorizontalPodAutoscaler', {
      metadata: { name, namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
      status,
    });
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: '2026-03-01T00:00:00Z',
  });
  const ableToScale = condition(
    'AbleToScale',
    'True',
    'ReadyForNewScale',
    'recommended size matches current size',
  );
  const active = condition(
    'ScalingActive',
    'True',
    'ValidMetricFound',
    'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
  );

  beforeEach(async () => {
    await cluster();
  });

  it("finds the workload of an HPA that cannot read its metrics or is pinned at max, in the HPA controller's words", async () => {
    hpa('web', 'web', {
      currentReplicas: 2,
      desiredReplicas: 2,
      conditions: [
        condition(
          'AbleToScale',
          'True',
          'SucceededGetScale',
          "the HPA controller was able to get the target's current scale",
        ),
        condition(
          'ScalingActive',
          'False',
          'FailedGetResourceMetric',
          'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
        ),
      ],
    });
    hpa('api', 'api', {
      currentReplicas: 5,
      desiredReplicas: 5,
      conditions: [
        ableToScale,
        active,
        condition(
          'ScalingLimited',
          'True',
          'TooManyReplicas',
          'the desired replica count is more than the maximum replica count',
        ),
      ],
    });
    expect((await scan(['hpa'])).findings).toEqual([
      expect.objectContaining({
        target: { kind: 'Deployment', name: 'api' },
        evidence: [
          'HorizontalPodAutoscaler api: ScalingLimited: TooManyReplicas: the desired replica count is more than the maximum replica count',
          '5 current replica(s), 5 desired, min 2, max 5',
        ],
      }),
      {
        analyzer: 'hpa',
        category: 'workload',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Deployment', name: 'web' },
        evidence: [
          'HorizontalPodAutoscaler web: ScalingActive=False: FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
          '2 current replica(s), 2 desired, min 2, max 5',
        ],
      },
    ]);
  });

  it('leaves a workload an earlier analyzer found to that finding', async () => {
    seed('apps/v1', 'Deployment', {
      metadata: { name: 'worker', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'worker' } },
        template: {
          metadata: { labels: { app: 'worker' } },
          spec: { containers: [{ name: 'worker', image: 'example.com/migrate:1' }] },
        },
      },
    });
    hpa('worker', 'worker', {
      currentReplicas: 2,
      desiredReplicas: 2,
      conditions: [
        ableToScale,
        condition(
          'ScalingActive',
          'False',
          'FailedGetResourceMetric',
          'the HPA was unable to compute the replica count: failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)',
        ),
      ],
    });
    kube!.advance(2 * 60_000);
    expect(targets((await scan(['hpa'])).findings)).toEqual(['hpa Deployment/shop/worker']);
    expect(targets((await scan(['crash-loop', 'hpa'])).findings)).toEqual([
      'crash-loop Deployment/shop/worker',
    ]);
  });

  it('finds nothing for an HPA scaling below its max', async () => {
    hpa('web', 'web', {
      currentReplicas: 3,
      desiredReplicas: 3,
      conditions: [
        ableToScale,
        active,
        condition(
          'ScalingLimited',
          'False',
          'DesiredWithinRange',
          'the desired count is within the acceptable range',
        ),
      ],
    });
    expect((await scan(['hpa'])).findings).toEqual([]);
  });
});

// ---- certificates ----

describe('the certificate analyzer', () => {
  const DAY = 86_400_000;
  const certificate = (name: string, ready: object, notAfterDays?: number) =>
    seed('cert-manager.io/v1', 'Certificate', {
      metadata: { name, namespace: 'shop' },
      spec: { secretName: name, dnsNames: ['shop.example.com'], issuerRef: { name: 'le' } },
      status: {
        conditions: [{ type: 'Ready', lastTransitionTime: '2026-03-01T00:00:00Z', ...ready }],
        ...(notAfterDays === undefined
          ? {}
          : {
              notAfter: new Date(kube!.clock.now() + notAfterDays * DAY)
                .toISOString()
                .replace(/\.\d{3}Z$/, 'Z'),
            }),
      },
    });
  const ready = {
    status: 'True',
    reason: 'Ready',
    message: 'Certificate is up to date and has not expired',
  };

  it('finds Certificates not Ready, expiring, or expired (critical), in cert-manager’s words', async () => {
    await cluster();
    seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', CERT_MANAGER_CRD);
    certificate('shop-tls', {
      status: 'False',
      reason: 'DoesNotExist',
      message: 'Issuing certificate as Secret does not exist',
    });
    certificate('api-tls', ready, 5.5);
    certificate(
      'old-tls',
      { status: 'False', reason: 'Expired', message: 'Certificate expired' },
      -3.5,
    );
    certificate('fresh-tls', ready, 60);
    const { findings, unlisted } = await scan(['certificate']);
    expect(unlisted).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        target: { kind: 'Certificate', name: 'api-tls' },
        evidence: [expect.stringMatching(/^expires \S+Z \(in 5 day\(s\)\)$/), 'secret api-tls'],
      }),
      expect.objectContaining({
        severity: 'critical',
        target: { kind: 'Certificate', name: 'old-tls' },
        evidence: [
          'Ready=False: Expired: Certificate expired',
          expect.stringMatching(/^expired \S+Z \(3 day\(s\) ago\)$/),
          'secret old-tls',
        ],
      }),
      {
        analyzer: 'certificate',
        category: 'certificate',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Certificate', name: 'shop-tls' },
        evidence: [
          'Ready=False: DoesNotExist: Issuing certificate as Secret does not exist',
          'secret shop-tls',
        ],
      },
    ]);
  });

  it('skips Certificates where cert-manager is not installed, saying so, and scans the rest', async () => {
    await cluster();
    seed('networking.k8s.io/v1', 'Ingress', {
      metadata: { name: 'shop', namespace: 'shop' },
      spec: { defaultBackend: { service: { name: 'gone', port: { number: 80 } } } },
    });
    const { findings, unlisted } = await scan(['ingress', 'certificate']);
    expect(unlisted).toEqual([
      'Certificate: the cluster does not serve cert-manager.io/v1 (not installed)',
    ]);
    expect(targets(findings)).toEqual(['ingress Ingress/shop/shop']);
  });
});
