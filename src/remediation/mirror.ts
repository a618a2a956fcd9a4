// Image-pull proposals: when a registry is down or rate-limits, pull through the mirror
// the config names for it (a pull-through cache such as registry.homelab.internal:5000
// or a Harbor proxy project). The change is to desired state, so it is proposed for
// review in the user's manifests, never patched live.
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { setContainerImage, type ManifestChange } from './manifest.js';
import type { PullErrorClass } from './pull-errors.js';
import { registryOf, type StuckPod } from './pull-errors.js';
import type { Run } from './run.js';

/** Failures a mirror gets around; a wrong tag, a credential or a node's clock it does not. */
export const MIRROR_HELPS: readonly PullErrorClass[] = ['unreachable', 'rate-limit', 'timeout'];

/**
 * The image as pulled through `mirror`: Docker Hub's short names gain `library/`, the
 * registry host is replaced, tag and digest are kept.
 */
export function mirrorImage(image: string, mirror: string): string {
  const registry = registryOf(image);
  let rest = image.startsWith(`${registry}/`) ? image.slice(registry.length + 1) : image;
  if (registry === 'docker.io' && !rest.split(/[:@]/)[0]?.includes('/')) rest = `library/${rest}`;
  return `${mirror.replace(/\/+$/, '')}/${rest}`;
}

/** Commits one image rewrite per workload whose pods cannot pull from a mirrored registry. */
export async function proposeMirrors(
  run: Run,
  stuck: StuckPod[],
  mirrors: Record<string, string>,
): Promise<void> {
  const { ctx, job } = run;
  const wanted = new Map<string, { pod: StuckPod; mirror: string }>();
  for (const pod of stuck) {
    const mirror = mirrors[pod.registry];
    if (!mirror || !MIRROR_HELPS.includes(pod.errorClass) || !pod.controller) continue;
    const key = `${pod.namespace}/${pod.controller.kind}/${pod.controller.name}/${pod.container}`;
    if (!wanted.has(key)) wanted.set(key, { pod, mirror });
  }
  if (wanted.size === 0) {
    const registries = [...new Set(stuck.map((p) => p.registry))];
    run.decisions.push({
      guardrail: 'manifest',
      allowed: false,
      reason: `no mirror configured for ${registries.join(', ')} (playbooks.image-pull.mirrors), or its failure is one a mirror does not fix`,
    });
    return;
  }
  let proposed = 0;
  for (const { pod, mirror } of wanted.values()) {
    if (proposed >= ctx.maxTargets) break;
    const workload = await stuckPodWorkload(run, pod);
    const image = mirrorImage(pod.image, mirror);
    const change: ManifestChange = {
      target: { kind: workload.kind, name: workload.name, namespace: pod.namespace },
      summary: `pull ${pod.image} through the mirror ${mirror} for ${workload.kind} ${pod.namespace}/${workload.name}`,
      edit: (text, document) =>
        setContainerImage(text, document, workload.kind, pod.container, image),
    };
    if (!ctx.propose) {
      run.findings.push(
        `propose would change the image of ${workload.kind} ${pod.namespace}/${workload.name} to ${image}`,
      );
      continue;
    }
    proposed++;
    const proposal = await ctx.propose(change);
    run.recordProposal(proposal);
  }
  if (!ctx.propose && job.mode === 'propose')
    run.decisions.push({
      guardrail: 'mode',
      allowed: false,
      reason:
        'propose needs the incident number and a token with contents: write; the image rewrite is only shown',
    });
}

/** The workload a person's manifest declares: a ReplicaSet's Deployment, else the controller. */
export async function stuckPodWorkload(
  run: Run,
  pod: StuckPod,
): Promise<{ kind: string; name: string }> {
  const controller = pod.controller as { kind: string; name: string };
  if (controller.kind !== 'ReplicaSet') return controller;
  const rs = await run.ctx.client.get<V1ReplicaSet>({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    namespace: pod.namespace,
    name: controller.name,
  });
  const owner = rs?.metadata?.ownerReferences?.find((o) => o.controller);
  return owner ? { kind: owner.kind, name: owner.name } : controller;
}
