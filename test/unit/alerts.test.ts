import { identityOf, slugify } from '../../src/alerts/identity.js';
import { normalisePayload, PayloadError } from '../../src/alerts/shapes.js';
import { alertFromJson } from '../../src/alerts/stored.js';
import { normaliseTitle, workloadFromPodName } from '../../src/alerts/titles.js';

const crashLooping = (pod: string, startsAt = '2026-11-22T03:04:05.123Z') => ({
  version: '4',
  groupKey: '{}:{alertname="KubePodCrashLooping"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'kubemend',
  groupLabels: { alertname: 'KubePodCrashLooping' },
  commonLabels: { alertname: 'KubePodCrashLooping', severity: 'warning', cluster: 'homelab' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'KubePodCrashLooping',
        namespace: 'shop',
        pod,
        container: 'app',
        job: 'kube-state-metrics',
        severity: 'warning',
        cluster: 'homelab',
      },
      annotations: {
        description: `Pod shop/${pod} (app) is in waiting state (reason: "CrashLoopBackOff").`,
        runbook_url:
          'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
        summary: 'Pod is crash looping.',
      },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring:9090/graph?g0.expr=...',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
});

describe('pod names to workloads', () => {
  it.each([
    ['store-front-7d9f8b6c4-xk2pq', 'store-front'],
    ['node-exporter-x2x9k', 'node-exporter'],
    ['postgres-0', 'postgres'],
    ['ledger-db-12', 'ledger-db'],
    ['api-frontend', 'api-frontend'],
    ['coredns-668d6bf9bc-4wqzs', 'coredns'],
    ['backup-29012345-x7k2q', 'backup'],
    ['nginx-1978115907-qqxfg', 'nginx'],
  ])('%s belongs to %s', (pod, workload) => {
    expect(workloadFromPodName(pod)).toBe(workload);
  });
});

describe('title normalisation', () => {
  it('strips pod hashes, timestamps and counters so repeats share a title', () => {
    expect(
      normaliseTitle(
        'BackOff pod store-front-7d9f8b6c4-xk2pq restarted 12 times (x12 over 5m) at 2026-11-22T03:04:05Z',
      ),
    ).toBe('BackOff pod store-front restarted at');
    expect(normaliseTitle('disk full on nas at 1763780645')).toBe('disk full on nas at');
    expect(normaliseTitle('image nginx:1.27.3 not found')).toBe('image nginx:1.27.3 not found');
  });

  it('collapses control characters and bounds the length', () => {
    expect(normaliseTitle('a\u0000b\nc')).toBe('a b c');
    expect(normaliseTitle('x'.repeat(500))).toHaveLength(200);
  });
});

describe('the payload shapes', () => {
  it('reads an Alertmanager group into one alert per entry, with the workload from the pod name', () => {
    const [alert] = normalisePayload(crashLooping('store-front-7d9f8b6c4-xk2pq'), {
      cluster: undefined,
    });
    expect(alert).toMatchObject({
      source: 'alertmanager',
      cluster: 'homelab',
      name: 'KubePodCrashLooping',
      title: 'KubePodCrashLooping shop store-front',
      status: 'firing',
      severity: 'warning',
      namespace: 'shop',
      workload: 'Deployment/store-front',
      pod: 'store-front-7d9f8b6c4-xk2pq',
      runbookUrl:
        'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
    });
  });

  it('takes the affected namespace over the exporter namespace (cert-manager)', () => {
    const payload = crashLooping('x');
    payload.alerts[0]!.labels = {
      alertname: 'CertManagerCertExpirySoon',
      namespace: 'cert-manager',
      exported_namespace: 'shop',
      name: 'shop-tls',
      severity: 'warning',
      cluster: 'homelab',
    } as never;
    expect(normalisePayload(payload, { cluster: undefined })[0]).toMatchObject({
      namespace: 'shop',
      title: 'CertManagerCertExpirySoon shop',
    });
  });

  it('accepts the full repository_dispatch body and a relay nesting under one key', () => {
    const body = {
      event_type: 'alertmanager',
      client_payload: { alertmanager: crashLooping('api-5f6d7c8b9d-x7k2q') },
    };
    expect(normalisePayload(body, { cluster: undefined })[0]!.workload).toBe('Deployment/api');
  });

  it('reads an Argo CD notification, firing while not Healthy and Synced', () => {
    const degraded = {
      app_name: 'shop',
      health_status: 'Degraded',
      sync_status: 'Synced',
      resources: [{ kind: 'Deployment', name: 'cart', health: { status: 'Degraded' } }],
      cluster: 'homelab',
    };
    expect(normalisePayload(degraded, { cluster: undefined })[0]).toMatchObject({
      source: 'argocd',
      title: 'Argo CD application shop',
      status: 'firing',
      severity: 'critical',
      workload: 'Application/shop',
    });
    expect(
      normalisePayload({ ...degraded, health_status: 'Healthy' }, { cluster: undefined })[0]!
        .status,
    ).toBe('resolved');
  });

  it('reads a Kubernetes event from the relay', () => {
    const event = {
      event: {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container app in pod api-5f6d7c8b9d-x7k2q_shop',
        count: 14,
      },
      involved_object: { kind: 'Pod', name: 'api-5f6d7c8b9d-x7k2q', namespace: 'shop' },
    };
    expect(normalisePayload(event, { cluster: 'homelab' })[0]).toMatchObject({
      source: 'event',
      cluster: 'homelab',
      title: 'BackOff Pod/shop/api',
      workload: 'Deployment/api',
      pod: 'api-5f6d7c8b9d-x7k2q',
    });
  });

  it('resolves on a Normal event only when its reason reports a recovery', () => {
    const event = (type: string, reason: string, message: string) => ({
      event: { type, reason, message },
      involved_object: { kind: 'Pod', name: 'api-5f6d7c8b9d-x7k2q', namespace: 'shop' },
    });
    const status = (payload: unknown) => normalisePayload(payload, { cluster: 'c' })[0]!.status;
    // kubelet records a pull back-off as Normal: still a problem.
    expect(status(event('Normal', 'BackOff', 'Back-off pulling image "nginx:1.25"'))).toBe(
      'firing',
    );
    expect(status(event('Normal', 'Pulled', 'Successfully pulled image "nginx:1.25"'))).toBe(
      'resolved',
    );
    expect(status(event('Warning', 'Pulled', 'odd'))).toBe('firing');
  });

  it("takes the owner from the watcher's ownerReferences and ignores names Kubernetes would refuse", () => {
    const event = {
      event: { type: 'Warning', reason: 'BackOff', message: 'x' },
      involved_object: { kind: 'Pod', name: 'worker-x7k2q', namespace: 'jobs' },
      context: { ownerReferences: [{ kind: 'Job', name: 'nightly-29012345' }], nodeName: 'a b' },
    };
    expect(normalisePayload(event, { cluster: 'c' })[0]).toMatchObject({
      workload: 'CronJob/nightly',
      node: undefined,
    });
  });

  it("keys a ReplicaSet's event by the Deployment a person manages", () => {
    const about = (kind: string, name: string) =>
      normalisePayload(
        {
          event: { type: 'Warning', reason: 'FailedCreate', message: 'quota exceeded' },
          involved_object: { kind, name, namespace: 'shop' },
        },
        { cluster: 'c' },
      )[0];
    expect(about('ReplicaSet', 'web-7d9f8b6c4')).toMatchObject({
      workload: 'Deployment/web',
      title: 'FailedCreate ReplicaSet/shop/web',
    });
    // The next rollout's ReplicaSet is the same problem.
    expect(about('ReplicaSet', 'web-5c6b7d8f9')?.title).toBe('FailedCreate ReplicaSet/shop/web');
    expect(about('Job', 'nightly-29012345')).toMatchObject({ workload: 'Job/nightly-29012345' });
    expect(about('StatefulSet', 'db')).toMatchObject({ workload: 'StatefulSet/db' });
  });

  it("does not take the exporter's own pod label for the affected pod", () => {
    const payload = crashLooping('x');
    payload.alerts[0]!.labels = {
      alertname: 'KubeNodeNotReady',
      node: 'worker-2',
      job: 'kube-state-metrics',
      pod: 'kube-prometheus-stack-kube-state-metrics-77678594d6-gsd29',
      cluster: 'homelab',
    } as never;
    expect(normalisePayload(payload, { cluster: undefined })[0]).toMatchObject({
      pod: undefined,
      workload: undefined,
      title: 'KubeNodeNotReady',
    });
  });

  it('reads a generic alert', () => {
    expect(
      normalisePayload(
        { title: 'NAS disk 91% full', cluster: 'homelab', severity: 'high' },
        { cluster: undefined },
      )[0],
    ).toMatchObject({ source: 'generic', severity: 'critical', title: 'NAS disk 91% full' });
  });
});

/** An Alertmanager webhook with one alert, labelled as kube-prometheus-stack labels it. */
const webhook = (labels: Record<string, string>) => ({
  version: '4',
  groupKey: `{}:{alertname="${labels.alertname}"}`,
  status: 'firing',
  receiver: 'kubemend',
  groupLabels: { alertname: labels.alertname },
  commonLabels: labels,
  commonAnnotations: {},
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: [{ status: 'firing', labels, annotations: {}, startsAt: '2026-11-22T03:04:05Z' }],
});

/** The labels kube-state-metrics' own scrape target adds to every metric it reports. */
const KSM = {
  job: 'kube-state-metrics',
  namespace: 'monitoring',
  pod: 'kube-prometheus-stack-kube-state-metrics-77678594d6-gsd29',
  container: 'kube-state-metrics',
  service: 'kube-prometheus-stack-kube-state-metrics',
  endpoint: 'http',
  instance: '10.42.0.17:8080',
  cluster: 'homelab',
};
const NODE_EXPORTER = {
  job: 'node-exporter',
  namespace: 'monitoring',
  pod: 'kube-prometheus-stack-prometheus-node-exporter-x2x9k',
  container: 'node-exporter',
  service: 'kube-prometheus-stack-prometheus-node-exporter',
  endpoint: 'http-metrics',
  cluster: 'homelab',
};

describe('a Flux event (the githubdispatch client_payload)', () => {
  const flux = (severity: string, reason: string, extra: Record<string, unknown> = {}) => ({
    involvedObject: { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
    severity,
    timestamp: '2026-11-22T03:00:00Z',
    message: 'kustomize build failed',
    reason,
    metadata: { revision: 'main@sha1:5f3ac2e', cluster: 'prod' },
    reportingController: 'kustomize-controller',
    ...extra,
  });
  const only = (payload: unknown) => {
    const [alert, ...rest] = normalisePayload(payload, { cluster: 'input' });
    expect(rest).toEqual([]);
    return alert!;
  };

  it('fires on error, resolves on a recovery reason, and marks any other info event a progress report', () => {
    expect(only(flux('error', 'BuildFailed'))).toMatchObject({
      source: 'flux',
      status: 'firing',
      severity: 'warning',
    });
    const recovered = only(flux('info', 'ReconciliationSucceeded'));
    expect(recovered).toMatchObject({ status: 'resolved', severity: 'info' });
    expect(recovered.informational).toBeUndefined();
    expect(only(flux('info', 'RollbackSucceeded'))).toMatchObject({
      status: 'resolved',
      informational: true,
    });
  });

  it('keys a failure and its recovery alike, per cluster and object, whatever the reason', () => {
    const keys = [flux('error', 'BuildFailed'), flux('info', 'ReconciliationSucceeded')].map(
      (p) => identityOf(only(p)).key,
    );
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toBe('cluster=prod\ntitle=flux kustomization flux-system/apps is failing');
  });

  it('reads the whole repository_dispatch body Flux sends, and names the object as the workload', () => {
    const alert = only({
      event_type: 'Kustomization/apps.flux-system',
      client_payload: flux('error', 'BuildFailed'),
    });
    expect(alert).toMatchObject({
      cluster: 'prod',
      namespace: 'flux-system',
      workload: 'Kustomization/apps',
      labels: { revision: 'main@sha1:5f3ac2e', cluster: 'prod' },
    });
  });

  it('keeps objects whose names look like durations apart', () => {
    const named = (name: string) =>
      only(
        flux('error', 'BuildFailed', {
          involvedObject: { kind: 'Kustomization', namespace: 'flux-system', name },
        }),
      ).title;
    expect(named('web-1h')).not.toBe(named('web-2h'));
  });

  it('keys an event about another Flux kind by the object, with no workload', () => {
    const alert = only(
      flux('error', 'GitOperationFailed', {
        involvedObject: { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system' },
      }),
    );
    expect(alert).toMatchObject({
      title: 'Flux GitRepository flux-system/flux-system is failing',
      workload: undefined,
    });
  });
});

describe('where the problem lives: an alert about a node or another cluster-scoped object has no namespace', () => {
  const read = (payload: unknown) => normalisePayload(payload, { cluster: 'homelab' })[0]!;

  it.each([
    ['KubeNodeNotReady', { ...KSM, node: 'worker-1', condition: 'Ready', status: 'true' }],
    ['NodeMemoryPressure', { ...KSM, node: 'worker-1', condition: 'MemoryPressure' }],
    ['KubeNodeUnreachable', { ...KSM, node: 'worker-1', key: 'node.kubernetes.io/unreachable' }],
    ['NodeHighCPU', { ...NODE_EXPORTER, instance: 'worker-1:9100', node: 'worker-1' }],
    [
      'NodeFilesystemSpaceFillingUp',
      { ...NODE_EXPORTER, instance: 'worker-1', device: '/dev/sda1', mountpoint: '/' },
    ],
    [
      'KubeletTooManyPods',
      {
        job: 'kubelet',
        namespace: 'kube-system',
        service: 'kube-prometheus-stack-kubelet',
        metrics_path: '/metrics',
        node: 'worker-1',
        instance: '10.0.0.11:10250',
      },
    ],
    ['KubePersistentVolumeErrors', { ...KSM, persistentvolume: 'pvc-0b9c', phase: 'Failed' }],
  ])('%s keeps the exporter namespace only as its source', (alertname, labels) => {
    const alert = read(webhook({ alertname, severity: 'warning', ...labels }));
    expect(alert).toMatchObject({
      title: alertname,
      namespace: undefined,
      sourceNamespace: labels.namespace,
      pod: undefined,
      workload: undefined,
    });
    expect(identityOf(alert).key).toBe(`cluster=homelab\ntitle=${alertname.toLowerCase()}`);
  });

  it('keeps the namespace of a pod or workload alert that also names a node', () => {
    const podAlert = read(
      webhook({
        alertname: 'KubePodNotReady',
        ...KSM,
        namespace: 'shop',
        pod: 'api-5f6d7c8b9d-x7k2q',
        node: 'worker-1',
      }),
    );
    expect(podAlert).toMatchObject({ namespace: 'shop', title: 'KubePodNotReady shop api' });
    expect(podAlert.sourceNamespace).toBeUndefined();
    const exported = read(
      webhook({
        alertname: 'KubeContainerWaiting',
        ...KSM,
        exported_namespace: 'shop',
        exported_pod: 'api-5f6d7c8b9d-x7k2q',
        node: 'worker-1',
      }),
    );
    expect(exported).toMatchObject({ namespace: 'shop', pod: 'api-5f6d7c8b9d-x7k2q' });
    const daemonset = read(
      webhook({ alertname: 'KubeDaemonSetRolloutStuck', ...KSM, daemonset: 'fluent-bit' }),
    );
    expect(daemonset).toMatchObject({ namespace: 'monitoring', workload: 'DaemonSet/fluent-bit' });
  });

  it("keeps a claim's namespace when the kubelet's volume alert names the node too", () => {
    const alert = read(
      webhook({
        alertname: 'KubePersistentVolumeFillingUp',
        job: 'kubelet',
        service: 'kube-prometheus-stack-kubelet',
        namespace: 'data',
        persistentvolumeclaim: 'pg-data',
        node: 'worker-1',
      }),
    );
    expect(alert).toMatchObject({ namespace: 'data', title: 'KubePersistentVolumeFillingUp data' });
  });

  it('keeps the namespace a rule aggregated by, beside a node, when no scrape labels are left', () => {
    const alert = read(
      webhook({ alertname: 'NamespaceMemoryHigh', namespace: 'shop', node: 'worker-1' }),
    );
    expect(alert).toMatchObject({ namespace: 'shop' });
  });

  it('gives an event about a Node no namespace, whatever namespace the relay passed on', () => {
    const alert = read({
      event: {
        type: 'Normal',
        reason: 'NodeNotReady',
        message: 'Node worker-1 status is now: NodeNotReady',
      },
      involved_object: { kind: 'Node', name: 'worker-1', namespace: 'default' },
    });
    expect(alert).toMatchObject({
      title: 'NodeNotReady Node/worker-1',
      namespace: undefined,
      sourceNamespace: 'default',
      node: 'worker-1',
    });
  });

  it("takes an Argo CD application's destination, not the Application's own namespace", () => {
    const both = read({
      app_name: 'shop',
      health_status: 'Degraded',
      sync_status: 'Synced',
      namespace: 'argocd',
      dest_namespace: 'shop-prod',
    });
    expect(both).toMatchObject({ namespace: 'shop-prod', sourceNamespace: 'argocd' });
    const onlyDest = read({ app_name: 'shop', health_status: 'Degraded', dest_namespace: 'shop' });
    expect(onlyDest.namespace).toBe('shop');
    expect(onlyDest.sourceNamespace).toBeUndefined();
  });

  it('gives a generic alert about a node no namespace', () => {
    const alert = read({ title: 'pi-3 disk full', resource: 'node/pi-3', namespace: 'monitoring' });
    expect(alert).toMatchObject({ namespace: undefined, sourceNamespace: 'monitoring' });
    const pv = read({ title: 'volume lost', resource: 'pv/pvc-0b9c', namespace: 'storage' });
    expect(pv.namespace).toBeUndefined();
    const deploy = read({ title: 'api down', resource: 'deploy/api', namespace: 'shop' });
    expect(deploy).toMatchObject({ namespace: 'shop' });
  });

  it("carries the source namespace through intake's alerts output", () => {
    const alert = read(webhook({ alertname: 'KubeNodeNotReady', ...KSM, node: 'worker-1' }));
    const back = alertFromJson(JSON.parse(JSON.stringify(alert)), 'alerts[0]');
    expect(back).toEqual(alert);
    expect(back.sourceNamespace).toBe('monitoring');
  });
});

describe('bad payloads fail with one line naming the field', () => {
  it.each([
    [{ hello: 'world' }, /^payload matches no known shape; expected an Alertmanager webhook/],
    [
      { version: '4', groupKey: 'g', alerts: {} },
      /^payload\.alerts is an object; expected an array of alerts\.$/,
    ],
    [
      { version: '4', groupKey: 'g', alerts: [{ labels: { severity: 'x' } }] },
      /^payload\.alerts\[0\]\.labels\.alertname is missing/,
    ],
    [
      { version: '4', groupKey: 'g', alerts: [{ labels: ['a'] }] },
      /^payload\.alerts\[0\]\.labels is an array; expected an object of strings\.$/,
    ],
    [{ title: 'x' }, /^payload\.cluster is missing and the action's 'cluster' input is empty/],
    [
      { title: { nested: true }, cluster: 'c' },
      /^payload\.title is an object; expected a string\.$/,
    ],
    [
      { event: { reason: 'X' }, involved_object: 'pod' },
      /^payload\.involved_object is a string; expected an object\.$/,
    ],
  ])('%j', (payload, message) => {
    expect(() => normalisePayload(payload, { cluster: undefined })).toThrow(message);
    expect(() => normalisePayload(payload, { cluster: undefined })).toThrow(PayloadError);
  });

  it('refuses deep nesting and oversized groups', () => {
    let deep: Record<string, unknown> = { title: 'x', cluster: 'c' };
    for (let i = 0; i < 20; i++) deep = { title: 't', cluster: 'c', nested: deep };
    expect(() => normalisePayload(deep, { cluster: undefined })).toThrow(
      /nests deeper than 12 levels/,
    );
    const many = {
      version: '4',
      groupKey: 'g',
      alerts: Array.from({ length: 2001 }, () => ({ labels: { alertname: 'A' } })),
    };
    expect(() => normalisePayload(many, { cluster: 'c' })).toThrow(
      /has 2001 alerts; allowed: at most 2000/,
    );
  });
});

describe('incident identity', () => {
  it('gives repeats of one problem the same key, branch and record path', () => {
    const [a] = normalisePayload(
      crashLooping('store-front-7d9f8b6c4-xk2pq', '2026-11-22T03:00:00Z'),
      { cluster: undefined },
    );
    const [b] = normalisePayload(
      crashLooping('store-front-6c5b4d8f7-zz9qq', '2026-11-22T04:30:00Z'),
      { cluster: undefined },
    );
    expect(identityOf(a!)).toEqual(identityOf(b!));
    expect(identityOf(a!).branch).toMatch(
      /^kubemend\/homelab\/kubepodcrashlooping-shop-store-front-[0-9a-f]{8}$/,
    );
    expect(identityOf(a!).recordPath).toMatch(
      /^alerts\/incoming\/homelab\/kubepodcrashlooping-shop-store-front-[0-9a-f]{8}\.yaml$/,
    );
  });

  it('groups by cluster alone when asked, one incident per cluster', () => {
    const [a] = normalisePayload(crashLooping('a-7d9f8b6c4-xk2pq'), { cluster: undefined });
    const [b] = normalisePayload(
      { title: 'other problem', cluster: 'homelab' },
      { cluster: undefined },
    );
    expect(identityOf(a!, ['cluster']).key).toBe(identityOf(b!, ['cluster']).key);
    expect(identityOf(a!).key).not.toBe(identityOf(b!).key);
  });

  it('never lets payload text shape a branch or path', () => {
    const [alert] = normalisePayload(
      {
        title: '../../.github/workflows/evil.yml; rm -rf / $(id) ${{ secrets.X }}',
        cluster: 'home/../lab',
      },
      { cluster: undefined },
    );
    const id = identityOf(alert!);
    expect(id.branch).toMatch(/^kubemend\/[a-z0-9-]+\/[a-z0-9-]+-[0-9a-f]{8}$/);
    expect(id.recordPath).toMatch(/^alerts\/incoming\/[a-z0-9-]+\/[a-z0-9-]+-[0-9a-f]{8}\.yaml$/);
    expect(slugify('ЅНОР')).toBe('x');
    expect(slugify('Café Ünïcode')).toBe('cafe-unicode');
  });
});
