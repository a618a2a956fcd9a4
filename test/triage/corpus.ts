// The triage corpus (test/triage/corpus/*.yaml): real wording, each case with the
// categories triage must rank first. The tests and bench/triage-quality read it here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { configFrom, type KubemendConfig } from '../../src/config/config.js';
import type { Category } from '../../src/triage/categories.js';
import { engineFor, triagePayload, type TriagedIncident } from '../../src/triage/triage.js';

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');
/** Gathered after the rules were written, by someone who had not read them or the corpus. */
export const HOLDOUT_DIR = join(import.meta.dirname, 'holdout');

export interface CorpusCase {
  id: string;
  source: string;
  file: string;
  expect: Category[];
  cluster?: string;
  targets?: Record<string, unknown>;
  payload: unknown;
}

export function loadCorpus(
  files = readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort(),
  dir = CORPUS_DIR,
): CorpusCase[] {
  return files.flatMap((file) =>
    (load(readFileSync(join(dir, file), 'utf8')) as Omit<CorpusCase, 'file'>[]).map((c) => ({
      ...c,
      file,
    })),
  );
}

export const loadHoldout = (): CorpusCase[] => loadCorpus(['holdout.yaml'], HOLDOUT_DIR);

/**
 * Held-out cases where kubemend's answer differs from the gatherer's on purpose, each
 * with why. The held-out file is kept as gathered; these are the disagreements.
 */
export const HOLDOUT_DISAGREEMENTS: Record<string, string> = {
  'holdout/argocd-degraded-deployment-progress-deadline':
    "a Deployment past its progress deadline, with nothing more specific, is Argo CD's report first (argocd.yaml's convention)",
  'holdout/alertmanager-longhorn-volume-status-warning':
    "the affected namespace is Longhorn's pvc_namespace, not longhorn-system (issue 6: pvc_namespace wins)",
  'holdout/event-volume-node-affinity-conflict-ebs':
    'a volume bound to a zone no node can reach is a storage cause behind the scheduling failure',
  'holdout/generic-flux-kustomization-health-check-timeout':
    'gathered before kubemend knew Flux: a health check that timed out names the workloads it waited for (workload), and Flux is asked to reconcile again (flux)',
  'holdout/event-replicaset-failed-quota-must-specify-limits':
    "a ReplicaSet's owner Deployment is the workload to act on",
};

export const DEFAULT_CONFIG: KubemendConfig = configFrom({}, 'defaults');
/** A case is one problem: a group of several alerts is judged as one incident. */
const CASE_CONFIG: KubemendConfig = configFrom({ intake: { 'group-by': ['cluster'] } }, 'corpus');
const engine = engineFor(DEFAULT_CONFIG.triage);

export interface Verdict {
  ok: boolean;
  /** The top category was the expected one. */
  top: boolean;
  /** The expected categories appear, in the expected order. */
  order: boolean;
  got: Category[];
  incident: TriagedIncident;
  why: string;
}

/** Triage of a case's payload (one incident: a case is one problem), judged against the case. */
export function judge(c: CorpusCase): Verdict {
  const { incidents } = triagePayload(c.payload, {
    cluster: c.cluster ?? 'corpus',
    config: CASE_CONFIG,
    engine,
  });
  const [incident] = incidents;
  if (!incident || incidents.length !== 1)
    throw new Error(`${c.id}: expected one incident, got ${incidents.length}`);
  const got = incident.categories.map((x) => x.name);
  const top = got[0] === c.expect[0];
  const positions = c.expect.map((name) => got.indexOf(name));
  const order = positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1)));
  const targetsOk = c.targets ? subset(c.targets, incident.targets) : true;
  const why =
    !top || !order
      ? `expected [${c.expect.join(', ')}], got [${got.join(', ')}]`
      : targetsOk
        ? ''
        : `targets ${JSON.stringify(incident.targets)} miss ${JSON.stringify(c.targets)}`;
  return { ok: top && order && targetsOk, top, order, got, incident, why };
}

function subset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want))
    return Array.isArray(have) && want.every((w) => have.some((h) => subset(w, h)));
  if (typeof want === 'object' && want !== null)
    return (
      typeof have === 'object' &&
      have !== null &&
      Object.entries(want).every(([k, v]) => subset(v, (have as Record<string, unknown>)[k]))
    );
  return want === have;
}
