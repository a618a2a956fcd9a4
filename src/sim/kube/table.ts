// meta.k8s.io/v1 Table responses, which `kubectl get` asks for: columns per kind as
// data, cells computed the way the real server's printers compute them.
import type { ResourceType } from './resources.js';
import type { KObject, KubeClock } from './store.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  priority?: number; // 1: shown with -o wide
  cell: (o: KObject, clock: KubeClock) => string | number;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function age(created: string | undefined, clock: KubeClock): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((clock.now() - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** The STATUS column of `kubectl get jobs`, in the printer's order of precedence. */
function jobStatus(job: Any): string {
  const has = (kind: string): boolean =>
    (job.status?.conditions ?? []).some((c: Any) => c.type === kind && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** The STATUS column of `kubectl get pods`: the most telling container reason, else the phase. */
export function podStatus(pod: Any): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  for (const c of (pod.status?.containerStatuses ?? []) as Any[]) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  return reason;
}

function nodeAddress(node: Any, type: string): string {
  return (
    ((node.status?.addresses ?? []) as Any[]).find((a) => a.type === type)?.address ?? '<none>'
  );
}

const name: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name };
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, clock) => age(o.metadata.creationTimestamp, clock),
};

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o: Any) =>
        `${(o.status?.containerStatuses ?? []).filter((c: Any) => c.ready).length}/${o.spec?.containers?.length ?? 0}`,
    },
    { name: 'Status', type: 'string', cell: (o) => podStatus(o) },
    {
      name: 'Restarts',
      type: 'string',
      cell: (o: Any) =>
        String(
          (o.status?.containerStatuses ?? []).reduce(
            (n: number, c: Any) => n + (c.restartCount ?? 0),
            0,
          ),
        ),
    },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, cell: (o: Any) => o.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o: Any) => o.spec?.nodeName ?? '<none>' },
    {
      name: 'Nominated Node',
      type: 'string',
      priority: 1,
      cell: (o: Any) => o.status?.nominatedNodeName ?? '<none>',
    },
    {
      name: 'Readiness Gates',
      type: 'string',
      priority: 1,
      cell: (o: Any) => {
        const gates: Any[] = o.spec?.readinessGates ?? [];
        if (gates.length === 0) return '<none>';
        const met = gates.filter((g) =>
          (o.status?.conditions ?? []).some(
            (c: Any) => c.type === g.conditionType && c.status === 'True',
          ),
        );
        return `${met.length}/${gates.length}`;
      },
    },
  ],
  Node: [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (o: Any) => {
        const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
        return `${ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'}${o.spec?.unschedulable ? ',SchedulingDisabled' : ''}`;
      },
    },
    {
      name: 'Roles',
      type: 'string',
      cell: (o) =>
        Object.keys(o.metadata.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.split('/')[1])
          .join(',') || '<none>',
    },
    ageColumn,
    { name: 'Version', type: 'string', cell: (o: Any) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    {
      name: 'Internal-IP',
      type: 'string',
      priority: 1,
      cell: (o: Any) => nodeAddress(o, 'InternalIP'),
    },
    {
      name: 'External-IP',
      type: 'string',
      priority: 1,
      cell: (o: Any) => nodeAddress(o, 'ExternalIP'),
    },
    {
      name: 'OS-Image',
      type: 'string',
      priority: 1,
      cell: (o: Any) => o.status?.nodeInfo?.osImage || '<unknown>',
    },
    {
      name: 'Kernel-Version',
      type: 'string',
      priority: 1,
      cell: (o: Any) => o.status?.nodeInfo?.kernelVersion || '<unknown>',
    },
    {
      name: 'Container-Runtime',
      type: 'string',
      priority: 1,
      cell: (o: Any) => o.status?.nodeInfo?.containerRuntimeVersion || '<unknown>',
    },
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (o: Any) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o: Any) => o.spec?.clusterIP || '<none>' },
    {
      name: 'External-IP',
      type: 'string',
      cell: (o: Any) => {
        const ingress: Any[] = o.status?.loadBalancer?.ingress ?? [];
        const ips = [...(o.spec?.externalIPs ?? []), ...ingress.map((i) => i.ip ?? i.hostname)];
        if (ips.length > 0) return ips.join(',');
        if (o.spec?.type === 'LoadBalancer') return '<pending>';
        if (o.spec?.type === 'ExternalName') return o.spec.externalName ?? '<none>';
        return '<none>';
      },
    },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o: Any) =>
        ((o.spec?.ports ?? []) as Any[])
          .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
          .join(',') || '<none>',
    },
    ageColumn,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: (o: Any) =>
        Object.entries(o.spec?.selector ?? {})
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',') || '<none>',
    },
  ],
  Endpoints: [
    name,
    {
      name: 'Endpoints',
      type: 'string',
      cell: (o: Any) => {
        // As the real printer: address:port pairs, at most three, then "+ N more...".
        const pairs: string[] = [];
        for (const subset of (o.subsets ?? []) as Any[])
          for (const address of (subset.addresses ?? []) as Any[])
            for (const port of (subset.ports ?? [{}]) as Any[])
              pairs.push(port.port === undefined ? address.ip : `${address.ip}:${port.port}`);
        if (pairs.length === 0) return '<none>';
        return pairs.length > 3
          ? `${pairs.slice(0, 3).join(',')} + ${pairs.length - 3} more...`
          : pairs.join(',');
      },
    },
    ageColumn,
  ],
  Deployment: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o: Any) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o: Any) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o: Any) => o.status?.availableReplicas ?? 0 },
    ageColumn,
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (o: Any) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (o: Any) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (o: Any) => o.status?.readyReplicas ?? 0 },
    ageColumn,
  ],
  Job: [
    name,
    { name: 'Status', type: 'string', cell: (o: Any) => jobStatus(o) },
    {
      name: 'Completions',
      type: 'string',
      cell: (o: Any) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
    },
    {
      name: 'Duration',
      type: 'string',
      cell: (o: Any, clock) => {
        if (!o.status?.startTime) return '';
        const end = o.status.completionTime ? Date.parse(o.status.completionTime) : clock.now();
        return age(o.status.startTime, { now: () => end } as KubeClock);
      },
    },
    ageColumn,
  ],
  CronJob: [
    name,
    { name: 'Schedule', type: 'string', cell: (o: Any) => o.spec?.schedule ?? '' },
    { name: 'Timezone', type: 'string', cell: (o: Any) => o.spec?.timeZone ?? '<none>' },
    { name: 'Suspend', type: 'string', cell: (o: Any) => (o.spec?.suspend ? 'True' : 'False') },
    { name: 'Active', type: 'integer', cell: (o: Any) => (o.status?.active ?? []).length },
    {
      name: 'Last Schedule',
      type: 'string',
      cell: (o: Any, clock) =>
        o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, clock) : '<none>',
    },
    ageColumn,
  ],
  Ingress: [
    name,
    { name: 'Class', type: 'string', cell: (o: Any) => o.spec?.ingressClassName ?? '<none>' },
    {
      name: 'Hosts',
      type: 'string',
      cell: (o: Any) => ((o.spec?.rules ?? []) as Any[]).map((r) => r.host ?? '*').join(',') || '*',
    },
    {
      name: 'Address',
      type: 'string',
      cell: (o: Any) =>
        ((o.status?.loadBalancer?.ingress ?? []) as Any[]).map((i) => i.ip ?? i.hostname).join(','),
    },
    {
      name: 'Ports',
      type: 'string',
      cell: (o: Any) => ((o.spec?.tls ?? []).length > 0 ? '80, 443' : '80'),
    },
    ageColumn,
  ],
  HorizontalPodAutoscaler: [
    name,
    {
      name: 'Reference',
      type: 'string',
      cell: (o: Any) => `${o.spec?.scaleTargetRef?.kind}/${o.spec?.scaleTargetRef?.name}`,
    },
    {
      name: 'Targets',
      type: 'string',
      cell: (o: Any) =>
        ((o.spec?.metrics ?? []) as Any[])
          .map((m, i) => {
            const target = m.resource?.target?.averageUtilization;
            const current = o.status?.currentMetrics?.[i]?.resource?.current?.averageUtilization;
            return target === undefined
              ? '<unknown>'
              : `${m.resource?.name}: ${current === undefined ? '<unknown>' : `${current}%`}/${target}%`;
          })
          .join(', ') || '<none>',
    },
    { name: 'MinPods', type: 'integer', cell: (o: Any) => o.spec?.minReplicas ?? 1 },
    { name: 'MaxPods', type: 'integer', cell: (o: Any) => o.spec?.maxReplicas ?? 0 },
    { name: 'Replicas', type: 'integer', cell: (o: Any) => o.status?.currentReplicas ?? 0 },
    ageColumn,
  ],
  EndpointSlice: [
    name,
    { name: 'AddressType', type: 'string', cell: (o: Any) => o.addressType ?? '' },
    {
      name: 'Ports',
      type: 'string',
      cell: (o: Any) =>
        ((o.ports ?? []) as Any[]).map((p) => String(p.port)).join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      type: 'string',
      cell: (o: Any) => {
        const addresses = ((o.endpoints ?? []) as Any[]).flatMap((e) => e.addresses ?? []);
        if (addresses.length === 0) return '<unset>';
        return addresses.length > 3
          ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...`
          : addresses.join(',');
      },
    },
    ageColumn,
  ],
  Certificate: [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o: Any) =>
        ((o.status?.conditions ?? []) as Any[]).find((c) => c.type === 'Ready')?.status ?? '',
    },
    { name: 'Secret', type: 'string', cell: (o: Any) => o.spec?.secretName ?? '' },
    ageColumn,
  ],
  Event: [
    {
      name: 'Last Seen',
      type: 'string',
      cell: (o: Any, clock) =>
        age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, clock),
    },
    { name: 'Type', type: 'string', cell: (o: Any) => o.type ?? '' },
    { name: 'Reason', type: 'string', cell: (o: Any) => o.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      cell: (o: Any) =>
        `${String(o.involvedObject?.kind ?? o.regarding?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? o.regarding?.name ?? ''}`,
    },
    { name: 'Message', type: 'string', cell: (o: Any) => o.message ?? o.note ?? '' },
  ],
};

export function toTable(
  r: ResourceType,
  result: KObject | Record<string, unknown>,
  clock: KubeClock,
  includeObject: string | null,
): Record<string, unknown> {
  const columns = COLUMNS[r.kind] ?? [name, ageColumn];
  const items = Array.isArray((result as { items?: unknown }).items)
    ? (result as { items: KObject[] }).items
    : [result as KObject];
  const metadata = Array.isArray((result as { items?: unknown }).items)
    ? (result as { metadata?: unknown }).metadata
    : { resourceVersion: (result as KObject).metadata?.resourceVersion };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.name === 'Name' ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map((c) => c.cell(o, clock)),
      object:
        includeObject === 'Object'
          ? o
          : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
