// The cluster doctor's fix for its top cause (raised memory, or the previous revision's
// images: a rollback), proposed for review: a manifest change
// on the incident's branch, or a `kubemend/fix/...` pull request for an issue.
import type { KubemendConfig } from '../config/config.js';
import type { CommentTarget } from '../github/comments.js';
import { setContainerImage, type ManifestChange } from '../remediation/manifest.js';
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
  if (cause.fix.manifest === 'rollback' && namespace)
    return proposeRollback(gh, evidence, namespace, config);
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
  return propose(gh, change, notes, config);
}

/**
 * The rollback as a manifest change: the Deployment's containers set back to the images
 * of the previous revision, which ran; reviewed like any change before Argo CD or Flux
 * applies it.
 */
async function proposeRollback(
  gh: CommentTarget,
  evidence: Evidence,
  namespace: string,
  config: KubemendConfig,
): Promise<string | undefined> {
  const [latest, previous] = evidence.rollout?.revisions ?? [];
  const name = evidence.rollout?.workload.replace(/^Deployment\//, '');
  if (!latest || !previous || !name) return undefined;
  const back = previous.containers
    .map((container, i) => ({ container, image: previous.images[i] ?? '' }))
    .filter(
      ({ container, image }) =>
        image && latest.images[latest.containers.indexOf(container)] !== image,
    );
  if (back.length === 0) return 'not proposed: the previous revision runs the same images';
  const change: ManifestChange = {
    target: { kind: 'Deployment', name, namespace },
    summary: `roll back Deployment ${namespace}/${name} to revision ${previous.revision} (${back.map((b) => `${b.container}: ${b.image}`).join(', ')})`,
    edit: (text, document) =>
      back.reduce(
        (out, b) => setContainerImage(out, document, 'Deployment', b.container, b.image),
        text,
      ),
  };
  const notes = [
    'Test plan:',
    `- after the merge and sync: \`kubectl -n ${namespace} rollout status deployment/${name}\``,
    `- no restarts on the new pods: \`kubectl -n ${namespace} get pods\``,
    '',
    `Rollback of the rollback: revert this commit; revision ${latest.revision} (${latest.images.join(', ')}) comes back, crash included.`,
  ].join('\n');
  return propose(gh, change, notes, config);
}

async function propose(
  gh: CommentTarget,
  change: ManifestChange,
  notes: string,
  config: KubemendConfig,
): Promise<string> {
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
