// Undoing what kubemend did once an incident's targets are healthy: today, its cordons.
// Only a cordon kubemend made for this incident is undone (the node's
// `kubemend.io/cordoned-by` names the incident's id): a node a person cordoned stays
// cordoned, and one another incident cordoned is left for that incident to undo.
import type { V1Node } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { CORDONED_BY } from '../remediation/playbooks/node.js';

export interface UndoResult {
  node: string;
  /** The API server accepted the uncordon (in dry-run: validated it, persisted nothing). */
  done: boolean;
  dryRun: boolean;
  /** What happened or why not, one line. */
  detail: string;
}

/**
 * Uncordons the nodes this incident cordoned: spec.unschedulable and the annotation
 * removed, as the node playbook does after a recovery. `cordonedBy` is what the sweep
 * observed; a node it does not name this incident costs no request. A node it does is
 * read again and patched with that read's resourceVersion, so the annotation is checked
 * on the object the patch changes: if anyone touched the node since, the API server
 * refuses (409) and the node is left as it is for the next sweep.
 */
export async function undoCordons(
  client: KubeClient,
  nodes: { name: string; cordonedBy: string | undefined }[],
  incidentId: string,
): Promise<UndoResult[]> {
  const results: UndoResult[] = [];
  for (const { name, cordonedBy } of nodes) {
    const result = (done: boolean, detail: string): UndoResult => ({
      node: name,
      done,
      dryRun: client.dryRun,
      detail: `Node ${name}: ${detail}`,
    });
    if (cordonedBy !== incidentId) {
      results.push(
        result(
          false,
          cordonedBy
            ? `cordoned by kubemend for incident ${cordonedBy}, left to that incident`
            : 'not cordoned by kubemend, left as it is',
        ),
      );
      continue;
    }
    results.push(await uncordon(client, name, incidentId, result));
  }
  return results;
}

async function uncordon(
  client: KubeClient,
  name: string,
  incidentId: string,
  result: (done: boolean, detail: string) => UndoResult,
): Promise<UndoResult> {
  const ref = { apiVersion: 'v1', kind: 'Node', name };
  const node = await client.get<V1Node>(ref);
  if (!node) return result(false, 'no longer exists, nothing to uncordon');
  const now = node.metadata?.annotations?.[CORDONED_BY];
  if (now !== incidentId)
    return result(
      false,
      `${CORDONED_BY} is now ${now ? `'${now}'` : 'absent'}, not this incident's: left as it is`,
    );
  const wasCordoned = node.spec?.unschedulable === true;
  try {
    await client.patch<V1Node>(ref, {
      metadata: {
        resourceVersion: node.metadata?.resourceVersion,
        annotations: { [CORDONED_BY]: null },
      },
      spec: { unschedulable: null },
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 409)
      return result(false, 'changed since it was read; left for the next sweep');
    throw error;
  }
  const what = wasCordoned
    ? `uncordoned (kubemend cordoned it for incident ${incidentId})`
    : `already schedulable; kubemend's ${CORDONED_BY} annotation removed`;
  return result(true, client.dryRun ? `dry-run, the API server accepted: ${what}` : what);
}
