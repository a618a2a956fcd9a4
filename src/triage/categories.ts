// The triage taxonomy (docs/architecture.md, Triage categories) as data: what each
// category means, the playbook it runs by default, and which categories are symptoms of
// which causes.
import type { Playbook } from '../shared/constants.js';
import { PLAYBOOKS } from '../shared/constants.js';

/** Categories and playbooks share names: one default playbook per category. */
export const CATEGORIES = PLAYBOOKS;
export type Category = Playbook;

export interface CategoryInfo {
  playbook: Playbook;
  /** What the category means, for the README, the schema and `validate-config`. */
  summary: string;
}

export const CATEGORY_INFO: Record<Category, CategoryInfo> = {
  'image-pull': { playbook: 'image-pull', summary: 'an image cannot be pulled' },
  'crash-loop': { playbook: 'crash-loop', summary: 'a container keeps crashing' },
  oom: { playbook: 'oom', summary: 'a container runs out of memory (its limit or the OOM killer)' },
  argocd: { playbook: 'argocd', summary: 'an Argo CD application is degraded or out of sync' },
  flux: {
    playbook: 'flux',
    summary:
      'a Flux Kustomization or HelmRelease fails to reconcile (a missing CRD, a failed upgrade)',
  },
  storage: {
    playbook: 'storage',
    summary: 'a volume cannot be provisioned, attached or mounted, or fills up',
  },
  scheduling: { playbook: 'scheduling', summary: 'a pod cannot be scheduled' },
  node: { playbook: 'node', summary: 'a node is unhealthy, under pressure or out of sync' },
  probe: { playbook: 'probe', summary: 'a readiness, liveness or startup probe fails' },
  certificate: { playbook: 'certificate', summary: 'a certificate expires or cannot be issued' },
  workload: { playbook: 'workload', summary: 'a workload misses its replicas, rollout or job' },
  unknown: { playbook: 'unknown', summary: 'nothing more specific is known' },
};

/**
 * Causes and the symptoms they produce. When a cause is found with at least
 * ROOT_CAUSE_CONFIDENCE, its symptoms rank below it, whatever their own confidence:
 * an OOMKilled last state behind a BackOff event is an `oom` problem that shows as a
 * crash loop. `also` symptoms still get a job after the cause (Argo CD needs a sync and
 * Flux a reconcile once the image pulls); `instead` symptoms do not (restarting a container that runs out of
 * memory changes nothing).
 */
export const SYMPTOMS: Partial<Record<Category, { also: Category[]; instead: Category[] }>> = {
  oom: { also: ['argocd', 'flux'], instead: ['crash-loop', 'probe', 'workload'] },
  'image-pull': { also: ['argocd', 'flux'], instead: ['crash-loop', 'workload', 'probe'] },
  storage: { also: ['argocd', 'flux'], instead: ['scheduling', 'workload', 'crash-loop', 'probe'] },
  certificate: { also: ['argocd', 'flux'], instead: ['workload', 'probe'] },
  node: { also: ['argocd', 'flux', 'storage'], instead: ['workload', 'scheduling', 'probe'] },
  scheduling: { also: ['argocd', 'flux'], instead: ['workload'] },
  'crash-loop': { also: ['argocd', 'flux'], instead: ['workload', 'probe'] },
  probe: { also: ['argocd', 'flux'], instead: ['workload'] },
  // A Job past its backoff limit or a quota refusing pods is why Argo CD reports Degraded
  // (and why a Flux health check times out).
  workload: { also: ['argocd', 'flux'], instead: [] },
};

/** The confidence from which a cause outranks its symptoms. */
export const ROOT_CAUSE_CONFIDENCE = 0.7;

/** How far below its cause a symptom ranks. */
export const SYMPTOM_GAP = 0.05;

/** Confidence of `unknown` when no rule matched. */
export const UNKNOWN_CONFIDENCE = 0.3;
