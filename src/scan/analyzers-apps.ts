// The analyzers of what runs on and in front of workloads: batch Jobs and their CronJobs,
// Ingress backends, HorizontalPodAutoscalers and cert-manager Certificates. Each reads its
// controller's own conditions (the Job controller's BackoffLimitExceeded, the HPA
// controller's FailedGetResourceMetric, cert-manager's Ready) and, like the table in
// analyzers.ts, leaves a target an earlier analyzer already found alone.
import type {
  KubernetesObject,
  V1CronJob,
  V1Ingress,
  V1IngressBackend,
  V1Job,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { lastDue } from '../shared/cron.js';
import {
  conditionOf,
  found,
  k,
  line,
  nameOf,
  of,
  said,
  workloadFinding,
  type Analyzer,
  type Condition,
  type Found,
} from './analyzer-kit.js';

export const APP_KINDS = {
  job: k('batch/v1', 'Job', 'jobs'),
  cronJob: k('batch/v1', 'CronJob', 'cronjobs'),
  ingress: k('networking.k8s.io/v1', 'Ingress', 'ingresses'),
  service: k('v1', 'Service', 'services'),
  hpa: k('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  certificate: k('cert-manager.io/v1', 'Certificate', 'certificates'),
} as const;

const DAY_MS = 86_400_000;

const time = (value: Date | string | undefined): number =>
  value === undefined ? Number.NaN : new Date(value).getTime();

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---- jobs ----

/** The CronJob controlling a Job, by its ownerReference (names can lie, references do not). */
const cronJobOf = (job: V1Job): string | undefined =>
  job.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'CronJob')?.name;

/**
 * Newest first: by creation, then by name, where a CronJob's Jobs carry their scheduled
 * minute (`nightly-29500000`), so two made in the same second still order.
 */
const newestFirst = (a: V1Job, b: V1Job): number =>
  time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp) ||
  nameOf(b).localeCompare(nameOf(a), 'en', { numeric: true });

export const jobAnalyzer: Analyzer = {
  name: 'job',
  summary:
    "failed Jobs, with the Job controller's reason; a CronJob's only if its newest Job failed",
  kinds: [APP_KINDS.job],
  analyze: (listed) => {
    const jobs = of<V1Job>(listed, APP_KINDS.job);
    // A CronJob is as healthy as its newest Job: a retry that succeeded ends the story.
    const newest = new Map<string, V1Job>();
    for (const job of [...jobs].sort(newestFirst)) {
      const cron = cronJobOf(job);
      const key = cron && `${job.metadata?.namespace}/${cron}`;
      if (key && !newest.has(key)) newest.set(key, job);
    }
    return jobs.flatMap((job): Found[] => {
      const failed = conditionOf(job.status?.conditions as Condition[] | undefined, 'Failed');
      if (failed?.status !== 'True') return [];
      const cron = cronJobOf(job);
      if (cron && newest.get(`${job.metadata?.namespace}/${cron}`) !== job) return [];
      const counts = `${job.status?.failed ?? 0} pod(s) failed, ${job.status?.succeeded ?? 0} succeeded of ${job.spec?.completions ?? 1} completion(s)`;
      const target: KubernetesObject = cron
        ? {
            metadata: {
              name: cron,
              namespace: job.metadata?.namespace,
              labels: job.metadata?.labels,
            },
          }
        : job;
      return workloadFinding(listed, 'job', cron ? 'CronJob' : 'Job', target, [
        `${cron ? `job ${nameOf(job)}: ` : ''}${said(failed.reason, failed.message)}`,
        counts,
      ]);
    });
  },
};

// ---- cronjobs ----

export const cronJobAnalyzer: Analyzer = {
  name: 'cronjob',
  summary:
    'CronJobs not suspended whose last scheduled run is older than a run due (default: 15 minutes late)',
  kinds: [APP_KINDS.cronJob],
  analyze: (listed) =>
    of<V1CronJob>(listed, APP_KINDS.cronJob).flatMap((cron): Found[] => {
      if (cron.spec?.suspend) return [];
      const schedule = cron.spec?.schedule ?? '';
      const zone = cron.spec?.timeZone ?? 'UTC';
      // The latest run that should have started by now, late enough to count as missed:
      // for a schedule every 5 minutes, the one 15 minutes ago, not the one 2 minutes ago.
      let due: Date | undefined;
      try {
        due = lastDue(schedule, new Date(listed.now - listed.thresholds.cronjobLateMs - 1), zone);
      } catch {
        // The API server validates schedules: one it took and we cannot read is not ours to judge.
        return [];
      }
      if (!due) return [];
      const dueMs = due.getTime();
      // A CronJob created after that run was due never owed it (the controller schedules
      // the first run strictly after creation).
      if (time(cron.metadata?.creationTimestamp) >= dueMs) return [];
      const last = time(cron.status?.lastScheduleTime);
      if (last >= dueMs) return [];
      const active = cron.status?.active ?? [];
      return workloadFinding(listed, 'cronjob', 'CronJob', cron, [
        `schedule "${schedule}" (${zone}), last scheduled ${Number.isNaN(last) ? 'never' : iso(last)}; missed the run due ${iso(dueMs)}`,
        ...(active.length > 0
          ? [
              `${active.length} job(s) still active (${active
                .slice(0, 3)
                .map((a) => a.name)
                .join(', ')}), concurrency policy ${cron.spec?.concurrencyPolicy ?? 'Allow'}`,
            ]
          : []),
      ]);
    }),
};

// ---- ingresses ----

/** What is wrong with one backend, in the API server's words for a missing object. */
function backendProblem(
  backend: V1IngressBackend | undefined,
  services: ReadonlyMap<string, V1Service>,
  namespace: string,
): string | undefined {
  const ref = backend?.service;
  // A resource backend (a bucket, a custom object) is not a Service to check.
  if (!ref) return undefined;
  const svc = services.get(`${namespace}/${ref.name}`);
  if (!svc) return `services "${ref.name}" not found`;
  const ports = svc.spec?.ports ?? [];
  const wanted = ref.port?.name ?? ref.port?.number;
  if (wanted === undefined) return undefined;
  const has = ports.some((p) =>
    ref.port?.name !== undefined ? p.name === ref.port.name : p.port === ref.port?.number,
  );
  if (has) return undefined;
  const offered = ports.map((p) => (p.name ? `${p.name} ${p.port}` : String(p.port))).join(', ');
  return `service "${ref.name}" has no port ${wanted} (ports: ${offered || 'none'})`;
}

export const ingressAnalyzer: Analyzer = {
  name: 'ingress',
  summary: 'Ingresses whose backend Service does not exist or lacks the port named',
  kinds: [APP_KINDS.ingress, APP_KINDS.service],
  analyze: (listed) => {
    const services = new Map(
      of<V1Service>(listed, APP_KINDS.service).map((s) => [
        `${s.metadata?.namespace}/${nameOf(s)}`,
        s,
      ]),
    );
    return of<V1Ingress>(listed, APP_KINDS.ingress).flatMap((ingress): Found[] => {
      const namespace = ingress.metadata?.namespace ?? 'default';
      const backends: { where: string; backend: V1IngressBackend | undefined }[] = [
        ...(ingress.spec?.defaultBackend
          ? [{ where: 'default backend', backend: ingress.spec.defaultBackend }]
          : []),
        ...(ingress.spec?.rules ?? []).flatMap((rule) =>
          (rule.http?.paths ?? []).map((path) => ({
            where: `rule ${rule.host ?? '*'}${path.path ?? '/'}`,
            backend: path.backend,
          })),
        ),
      ];
      const problems = backends.flatMap(({ where, backend }) => {
        const problem = backendProblem(backend, services, namespace);
        return problem ? [line(`${where}: ${problem}`)] : [];
      });
      if (problems.length === 0) return [];
      return [
        {
          analyzer: 'ingress',
          category: 'workload',
          severity: 'warning',
          namespace,
          target: { kind: 'Ingress', name: nameOf(ingress) },
          labels: ingress.metadata?.labels ?? {},
          evidence: [
            ...problems.slice(0, 3),
            ...(problems.length > 3 ? [`and ${problems.length - 3} more backend(s)`] : []),
          ],
        },
      ];
    });
  },
};

// ---- autoscalers ----

export const hpaAnalyzer: Analyzer = {
  name: 'hpa',
  summary:
    'HorizontalPodAutoscalers unable to scale or read their metrics, or pinned at maxReplicas',
  kinds: [APP_KINDS.hpa],
  analyze: (listed) =>
    of<V2HorizontalPodAutoscaler>(listed, APP_KINDS.hpa).flatMap((hpa): Found[] => {
      const conditions = hpa.status?.conditions as Condition[] | undefined;
      const failing = ['AbleToScale', 'ScalingActive']
        .map((type) => conditionOf(conditions, type))
        .filter((c): c is Condition => c?.status === 'False');
      const limited = conditionOf(conditions, 'ScalingLimited');
      const max = hpa.spec?.maxReplicas;
      const current = hpa.status?.currentReplicas ?? 0;
      const pinned =
        limited?.status === 'True' && limited.reason === 'TooManyReplicas' && current === max;
      if (failing.length === 0 && !pinned) return [];
      // Named by the workload it scales, so it lands with that workload's other findings.
      const ref = hpa.spec?.scaleTargetRef;
      const namespace = hpa.metadata?.namespace ?? 'default';
      const target = ref
        ? { kind: ref.kind, name: ref.name }
        : { kind: 'HorizontalPodAutoscaler', name: nameOf(hpa) };
      if (found(listed, `${target.kind}/${namespace}/${target.name}`)) return [];
      return [
        {
          analyzer: 'hpa',
          category: 'workload',
          severity: 'warning',
          namespace,
          target,
          labels: hpa.metadata?.labels ?? {},
          evidence: [
            ...failing.map(
              (c) =>
                `HorizontalPodAutoscaler ${nameOf(hpa)}: ${c.type}=False: ${said(c.reason, c.message)}`,
            ),
            ...(pinned
              ? [
                  `HorizontalPodAutoscaler ${nameOf(hpa)}: ScalingLimited: ${said(limited.reason, limited.message)}`,
                ]
              : []),
            `${current} current replica(s), ${hpa.status?.desiredReplicas ?? 0} desired, min ${hpa.spec?.minReplicas ?? 1}, max ${max}`,
          ].map(line),
        },
      ];
    }),
};

// ---- certificates ----

interface Certificate extends KubernetesObject {
  spec?: { secretName?: string; dnsNames?: string[] };
  status?: { conditions?: Condition[]; notAfter?: string; renewalTime?: string };
}

export const certificateAnalyzer: Analyzer = {
  name: 'certificate',
  summary:
    'cert-manager Certificates not Ready, or expiring soon (default: within 14 days; critical once expired)',
  kinds: [APP_KINDS.certificate],
  analyze: (listed) =>
    of<Certificate>(listed, APP_KINDS.certificate).flatMap((cert): Found[] => {
      const ready = conditionOf(cert.status?.conditions, 'Ready');
      const notReady = ready?.status === 'False';
      const notAfter = time(cert.status?.notAfter);
      const left = notAfter - listed.now;
      const expired = left <= 0;
      const expiring = left < listed.thresholds.certificateExpiryDays * DAY_MS;
      if (!notReady && !expiring) return [];
      const days = Math.floor(Math.abs(left) / DAY_MS);
      return [
        {
          analyzer: 'certificate',
          category: 'certificate',
          severity: expired ? 'critical' : 'warning',
          namespace: cert.metadata?.namespace ?? 'default',
          target: { kind: 'Certificate', name: nameOf(cert) },
          labels: cert.metadata?.labels ?? {},
          evidence: [
            ...(notReady ? [`Ready=False: ${said(ready.reason, ready.message)}`] : []),
            ...(Number.isNaN(notAfter)
              ? []
              : [
                  expired
                    ? `expired ${iso(notAfter)} (${days} day(s) ago)`
                    : `expires ${iso(notAfter)} (in ${days} day(s))${time(cert.status?.renewalTime) < listed.now ? `, renewal was due ${cert.status?.renewalTime}` : ''}`,
                ]),
            ...(cert.spec?.secretName ? [`secret ${cert.spec.secretName}`] : []),
          ].map(line),
        },
      ];
    }),
};
