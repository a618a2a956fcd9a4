// The cluster doctor's fix for its top cause, proposed for review: a manifest change
// on the incident's branch, or a `kubemend/fix/...` pull request for an issue.
import type { KubemendConfig } from '../config/config.js';
import type { CommentTarget } from '../github/comments.js';
import { memoryManifestChange, raiseMemory, type MemoryChanges } from '../remediation/memory.js';
import { proposeChange } from '../remediation/proposals.js';
import type { Evidence } from './evidence.js';
import type { RankedCause } from './rank.js';

/**
 * The top cause's manifest change, proposed for review with a test plan and rollback
 * steps: on the incident's branch, or a `kubemend/fix/...` pull request for an issue.
 */
export async function proposeFix(
  gh: CommentTarget,
  cause: RankedCause,
  evidence: Evidence,
  config: KubemendConfig,
): Promise<string | undefined> {
  const { namespace, workload } = evidence.scope;
  if (cause.fix.manifest !== 'raise-memory' || !namespace || !workload) return undefined;
  const killed = evidence.pods
    .flatMap((p) => p.containers)
    .filter((c) => c.lastTerminated?.reason === 'OOMKilled');
  const changes: MemoryChanges = new Map();
  for (const c of killed) {
    if (changes.has(c.name)) continue;
    const change = raiseMemory(
      { limit: c.memoryLimit, request: c.memoryRequest },
      config.playbooks.oom,
    );
    if ('refused' in change) return `not proposed: ${change.refused}`;
    changes.set(c.name, change);
  }
  if (changes.size === 0) return undefined;
  const change = memoryManifestChange(
    { kind: workload.kind, name: workload.name, namespace },
    changes,
    config.playbooks.oom,
  );
  const notes = [
    'Test plan:',
    `- after the merge and sync: \`kubectl -n ${namespace} rollout status ${workload.kind.toLowerCase()}/${workload.name}\``,
    `- no new OOMKilled: \`kubectl -n ${namespace} get pods -o jsonpath="{.items[*].status.containerStatuses[*].lastState.terminated.reason}"\``,
    '',
    'Rollback: revert this commit; the GitOps controller restores the previous limits.',
  ].join('\n');
  const proposal = await proposeChange(
    { ...gh, incident: gh.number, id: `diag-${gh.number}`, paths: config.gitops.paths },
    change,
    notes,
  );
  if (proposal.committed) return `${change.summary}: ${proposal.detail}`;
  // A re-run finds its own earlier proposal: the branch already holds the change.
  return proposal.detail.endsWith('already has the change')
    ? `${change.summary}: already proposed (${proposal.detail})`
    : `not proposed: ${proposal.detail}`;
}
