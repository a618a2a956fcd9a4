// The cluster doctor's accuracy corpus (test/diagnose/corpus/*.yaml): broken clusters as
// people break them, each a simulator scenario with the scope an issue would name and the
// cause a person would name first (`none` where nothing is broken). The corpus test and
// bench/diagnose-accuracy read it here, through the real client against the emulator.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { CAUSES } from '../../src/diagnosis/causes.js';
import { collectEvidence, type DiagnosisScope } from '../../src/diagnosis/evidence.js';
import { rankCauses, type RankedCause } from '../../src/diagnosis/rank.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

export const CORPUS_DIR = join(import.meta.dirname, 'corpus');

export interface DiagnoseCase {
  name: string;
  /** The cause a person would name first, or `none`. */
  cause: string;
  /**
   * Why the doctor misses this case today (a cause the knowledge base lacks): the test
   * then holds it to not being confidently wrong, and the bench counts it as a miss.
   */
  miss: string | undefined;
  scope: DiagnosisScope;
  scenario: Scenario;
}

const KINDS: Record<string, string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  job: 'Job',
  application: 'Application',
};

export function loadCorpus(dir = CORPUS_DIR): DiagnoseCase[] {
  const ids = new Set([...CAUSES.map((c) => c.id), 'none']);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const doc = load(readFileSync(join(dir, file), 'utf8')) as Scenario & {
        diagnose: {
          namespace?: string;
          workload?: string;
          node?: string;
          cause: string;
          miss?: string;
        };
      };
      const { diagnose, ...scenario } = doc;
      // A typo in the corpus must fail loudly, not count as a miss.
      if (!ids.has(diagnose.cause))
        throw new Error(`${file}: diagnose.cause ${diagnose.cause} is not a cause id or none`);
      const [kind = '', name] = (diagnose.workload ?? '').split('/');
      return {
        name: file.replace(/\.yaml$/, ''),
        cause: diagnose.cause,
        miss: diagnose.miss,
        scenario,
        scope: {
          cluster: 'lab',
          namespace: diagnose.namespace,
          workload: name ? { kind: KINDS[kind] ?? kind, name } : undefined,
          pods: [],
          nodes: diagnose.node ? [diagnose.node] : [],
        },
      };
    });
}

/** The scenario played on a fresh emulator, then the doctor's evidence and ranking. */
export async function diagnoseCase(c: DiagnoseCase): Promise<RankedCause[]> {
  const kube = await new KubeEmulator().listen();
  try {
    loadScenario(kube, c.scenario);
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    const client = new KubeClient(kc, { dryRun: true });
    const evidence = await collectEvidence(client, c.scope, 'argocd', () => true);
    return rankCauses(evidence);
  } finally {
    await kube.close();
  }
}

/** Where the expected cause ranks (1-based), 0 when missing; `none` ranks 1 on no cause. */
export function rankOf(c: DiagnoseCase, ranked: RankedCause[]): number {
  if (c.cause === 'none') return ranked.length === 0 ? 1 : 0;
  return ranked.findIndex((r) => r.id === c.cause) + 1;
}
