// Ranking: every cause whose required signals all hold is a candidate; its confidence is
// its base, plus the weights of the supporting signals that hold, minus those of the
// refuting ones, kept within (0, 1). Each ranked cause carries the evidence lines that
// decided it, the commands to verify it (filled in from the scope) and its fix.
import { CAUSES, type Cause, type Fix } from './causes.js';
import type { Evidence } from './evidence.js';
import { evaluate } from './signals.js';

export interface RankedCause {
  id: string;
  title: string;
  confidence: number;
  evidence: string[];
  /** Signals that held against it. */
  against: string[];
  verify: string[];
  fix: Fix;
}

export function rankCauses(evidence: Evidence, causes: Cause[] = CAUSES): RankedCause[] {
  const ranked: RankedCause[] = [];
  for (const cause of causes) {
    const required = cause.requires.map((s) => evaluate(s, evidence));
    if (required.some((lines) => lines.length === 0)) continue;
    let confidence = cause.base;
    const support: string[] = [];
    for (const { signal, weight } of cause.supports) {
      const lines = evaluate(signal, evidence);
      if (lines.length === 0) continue;
      confidence += weight;
      support.push(...lines);
    }
    const against: string[] = [];
    for (const { signal, weight } of cause.refutes) {
      const lines = evaluate(signal, evidence);
      if (lines.length === 0) continue;
      confidence -= weight;
      against.push(...lines);
    }
    ranked.push({
      id: cause.id,
      title: cause.title,
      confidence: Math.round(Math.min(0.99, Math.max(0.01, confidence)) * 100) / 100,
      evidence: [...new Set([...required.flat(), ...support])].slice(0, 8),
      against: [...new Set(against)].slice(0, 4),
      verify: cause.verify.map((command) => fill(command, evidence)),
      fix: { ...cause.fix, text: fill(cause.fix.text, evidence) },
    });
  }
  // Stable: equal confidence keeps the knowledge base's order (its more specific causes first).
  return ranked.sort((a, b) => b.confidence - a.confidence);
}

/** The scope's names in a command; a name the evidence does not know stays a placeholder. */
function fill(command: string, e: Evidence): string {
  const troubled = e.pods.find((p) => p.containers.some((c) => !c.ready)) ?? e.pods[0];
  const node =
    e.nodes.find((n) => n.skewSeconds !== undefined && Math.abs(n.skewSeconds) >= 300)?.name ??
    troubled?.node ??
    e.scope.nodes[0];
  const values: Record<string, string | undefined> = {
    namespace: e.scope.namespace,
    workload: e.scope.workload
      ? `${e.scope.workload.kind.toLowerCase()}/${e.scope.workload.name}`
      : undefined,
    pod: troubled?.name,
    node,
    app: e.scope.workload?.kind === 'Application' ? e.scope.workload.name : undefined,
    // The Deployment whose revisions were read: the Application's, or the workload itself.
    rollout: e.rollout?.workload.replace(/^Deployment\//, 'deployment/'),
    job: e.scope.workload?.kind === 'Job' ? e.scope.workload.name : undefined,
  };
  return command.replace(
    /\{(namespace|workload|pod|node|app|rollout|job)\}/g,
    (m, key: string) => values[key] ?? `<${key}>`,
  );
}
