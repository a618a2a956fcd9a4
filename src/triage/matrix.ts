// The playbook matrix for parallel remediation jobs: one entry per incident and playbook,
// causes first, symptoms only when their playbook still helps after the cause's. Every
// value is an enum, a number or a Kubernetes name, so a matrix value pasted into a
// workflow's `run:` line cannot inject anything.
import { slugify } from '../alerts/identity.js';
import type { KubemendConfig } from '../config/config.js';
import type { Playbook } from '../shared/constants.js';
import { isClusterName, kubeconfigSecretName } from '../shared/names.js';
import type { Category } from './categories.js';
import type { Targets } from '../remediation/targets.js';
import type { TriagedIncident } from './triage.js';

export interface MatrixEntry {
  playbook: Playbook;
  category: Category;
  confidence: number;
  /** The incident's number, when triage knows it. */
  incident: number | null;
  /** The incident key's hash (its branch and record carry it). */
  id: string;
  cluster: string;
  /**
   * The secret holding this cluster's own kubeconfig, when the repository keeps one per
   * cluster: the workflow passes `secrets[matrix.kubeconfig-secret] || secrets.kubeconfig`.
   */
  'kubeconfig-secret': string;
  /** The incident's targets, all alerts together (kept for readers of earlier entries). */
  targets: Targets;
  /** One per distinct target of the firing alerts, each acted on on its own. */
  subjects: Targets[];
}

/** GitHub runs at most 256 jobs from one matrix. */
export const MAX_MATRIX_ENTRIES = 256;

export interface Matrix {
  include: MatrixEntry[];
  /** Entries left out beyond MAX_MATRIX_ENTRIES. */
  dropped: number;
}

export function buildMatrix(
  incidents: { incident: TriagedIncident; number: number | null }[],
  config: KubemendConfig,
): Matrix {
  const include: MatrixEntry[] = [];
  let dropped = 0;
  for (const { incident, number } of incidents) {
    // A resolved problem needs no remediation; report and intake close it.
    if (incident.status !== 'firing') continue;
    const cluster = isClusterName(incident.cluster)
      ? incident.cluster
      : slugify(incident.cluster, 63);
    const seen = new Set<Playbook>();
    for (const category of actionable(incident, config)) {
      if (seen.has(category.playbook)) continue;
      seen.add(category.playbook);
      if (include.length >= MAX_MATRIX_ENTRIES) {
        dropped++;
        continue;
      }
      include.push({
        playbook: category.playbook,
        category: category.name,
        confidence: category.confidence,
        incident: number,
        id: incident.id,
        cluster,
        'kubeconfig-secret': kubeconfigSecretName(cluster),
        targets: { ...incident.targets, cluster },
        subjects: incident.subjects.map((subject) => ({ ...subject, cluster })),
      });
    }
  }
  return { include, dropped };
}

/**
 * Categories that get a job: confident enough, not a symptom whose cause's playbook makes
 * it pointless, a playbook not turned off, and never `unknown` (nothing to act on; report
 * and diagnose cover it).
 */
export function actionable(incident: TriagedIncident, config: KubemendConfig) {
  return incident.categories.filter(
    (c) =>
      c.confidence >= config.triage.minConfidence &&
      c.runs !== 'instead' &&
      c.playbook !== 'unknown' &&
      config.playbooks[c.playbook].mode !== 'off',
  );
}

/** The categories worth a label: confident ones, or the best guess when none is. */
export function labelledCategories(incident: TriagedIncident, config: KubemendConfig): Category[] {
  const confident = incident.categories.filter((c) => c.confidence >= config.triage.minConfidence);
  const chosen = confident.length ? confident : incident.categories.slice(0, 1);
  return chosen.map((c) => c.name);
}
