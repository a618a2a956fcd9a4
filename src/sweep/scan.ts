// The sweep's scan: the zero-install source. It names the cluster the kubeconfig speaks
// for, runs the analyzers (list calls only), and hands intake what changed: findings new
// or due again (repeat-interval) as firing alerts, the findings of scan-started incidents
// that are gone as resolved ones. Intake keys them as any alert, so one problem stays one
// incident, and its outcome is what the alert pipeline's triage reads next.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../config/config.js';
import { intakeAlerts, type IntakeOutcome } from '../incidents/intake.js';
import type { UpsertContext } from '../incidents/upsert.js';
import { checkIdentity, type ClusterIdentity } from '../kube/identity.js';
import type { KubeClient } from '../kube/client.js';
import { planFeed, type OpenIncident } from '../scan/feed.js';
import { ignoreRules } from '../scan/ignore.js';
import { scanCluster } from '../scan/scan.js';

export interface SweepScanOutcome {
  cluster: string;
  findings: number;
  /** Alerts handed to intake: firing (new or due again) and resolved (gone). */
  fed: number;
  resolved: number;
  /** Findings already firing in their incident and not yet due again. */
  unchanged: number;
  ignored: number;
  belowFloor: number;
  /** Intake's outcome when something was fed: the alerts and incidents triage reads. */
  intake: IntakeOutcome | undefined;
}

/** Intake's side of the run: where incidents are written and how. */
export type ScanIntakeContext = Omit<
  UpsertContext,
  'config' | 'stats' | 'octokit' | 'owner' | 'repo'
>;

/**
 * The cluster's name: the configured cluster whose identity the kubeconfig shows; else
 * the one the workflow names (refused when it is configured with another identity);
 * else the kubeconfig's current cluster. Undefined (with a warning) when none holds.
 */
export function scanClusterName(
  config: KubemendConfig,
  observed: ClusterIdentity,
  kubeconfig: KubeConfig,
  named: string | undefined,
  warn: (line: string) => void,
): string | undefined {
  const confirmed = Object.keys(config.clusters).filter(
    (name) => checkIdentity(observed, config.clusters[name]).status === 'confirmed',
  );
  if (named) {
    const verdict = checkIdentity(observed, config.clusters[named]);
    if (verdict.status === 'uncertain') {
      warn(`Scan skipped: cluster ${named}: ${verdict.reason}.`);
      return undefined;
    }
    // A name with no identity of its own, while the kubeconfig shows another configured
    // cluster: its findings would be recorded under the wrong name.
    if (verdict.status === 'unconfigured' && confirmed.length > 0) {
      warn(
        `Scan skipped: the sweep's cluster input names ${named}, but the kubeconfig shows the identity of ${confirmed.join(' and ')}.`,
      );
      return undefined;
    }
    return named;
  }
  if (confirmed.length === 1) return confirmed[0];
  if (confirmed.length > 1) {
    warn(
      `Scan skipped: the kubeconfig shows the identity of ${confirmed.join(' and ')}; name the cluster with the sweep's cluster input.`,
    );
    return undefined;
  }
  const name = kubeconfig.getCurrentCluster()?.name;
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    warn("Scan skipped: name the cluster with the sweep's cluster input.");
    return undefined;
  }
  return name;
}

export async function sweepScan(
  client: KubeClient,
  github: Pick<UpsertContext, 'octokit' | 'stats' | 'owner' | 'repo'>,
  request: {
    config: KubemendConfig;
    cluster: string;
    open: readonly OpenIncident[];
    intake: ScanIntakeContext;
    now: number;
    warn: (line: string) => void;
  },
): Promise<SweepScanOutcome> {
  const { config, cluster } = request;
  const scan = config.scan;
  // An unconfigured identity is told by the sweep once the scan's incidents exist.
  const result = await scanCluster(client, {
    cluster,
    ...(scan.namespaces ? { namespaces: scan.namespaces } : {}),
    analyzers: scan.analyzers,
    thresholds: scan.thresholds,
  });
  // A kind not installed (no Argo CD, no cert-manager) is normal; one RBAC hides is not.
  for (const line of result.unlisted)
    if (!line.includes('not installed')) request.warn(`Scan: ${line}.`);
  const ignored = ignoreRules(scan.ignore);
  const labels = new Map(result.findings.map((f, i) => [f, result.labels[i] ?? {}]));
  const plan = planFeed(result.findings, (f) => ignored({ ...f, labels: labels.get(f) ?? {} }), {
    cluster,
    config: scan,
    groupBy: config.intake.groupBy,
    open: request.open,
    complete: new Set(result.complete),
    now: request.now,
  });
  const intake = plan.alerts.length
    ? await intakeAlerts(plan.alerts, config.intake, {
        ...request.intake,
        ...github,
        config: config.intake,
      })
    : undefined;
  return {
    cluster,
    findings: result.findings.length,
    fed: plan.alerts.length,
    resolved: plan.resolved,
    unchanged: plan.unchanged,
    ignored: plan.ignored,
    belowFloor: plan.belowFloor,
    intake,
  };
}
