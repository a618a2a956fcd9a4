// Copy-paste kubectl commands for an incident's targets. A pod's name is stale a minute
// after the alert (the ReplicaSet replaced it), so commands name the owner workload and
// let kubectl pick a current pod (`logs deployment/api`). The names come from an
// untrusted payload: only valid Kubernetes names, which nothing in a shell can read as
// syntax, are put into a command; a target with any other name gets none.
import { isLabelName, isSubdomainName } from '../shared/names.js';
import { formatTargetRef, isClusterScoped, type TargetKind, type TargetRef } from './target-ref.js';

/** At most this many targets get commands: a reader copies a few lines, not a script. */
export const MAX_COMMAND_TARGETS = 5;

/** Where Argo CD keeps its Applications unless the config says otherwise. */
const DEFAULT_ARGOCD_NAMESPACE = 'argocd';

/**
 * Command templates per kind; `{ns}`, `{name}` and `{argocd}` are replaced by checked
 * names. A target's `describe` lists the object's own events, so none are fetched apart;
 * the pods' events (named after pods) come from the namespace's event list below.
 */
const COMMANDS: Record<TargetKind, readonly string[]> = {
  // `logs <kind>/<name>` reads one current pod of the workload; `--previous` is the
  // output of the container before its last restart, what a crash left behind.
  Deployment: [
    'kubectl -n {ns} describe deployment/{name}',
    'kubectl -n {ns} logs deployment/{name} --all-containers --previous --tail=200',
    'kubectl -n {ns} rollout history deployment/{name}',
  ],
  StatefulSet: [
    'kubectl -n {ns} describe statefulset/{name}',
    'kubectl -n {ns} logs statefulset/{name} --all-containers --previous --tail=200',
    'kubectl -n {ns} rollout history statefulset/{name}',
  ],
  DaemonSet: [
    'kubectl -n {ns} describe daemonset/{name}',
    'kubectl -n {ns} logs daemonset/{name} --all-containers --previous --tail=200',
    'kubectl -n {ns} rollout history daemonset/{name}',
  ],
  ReplicaSet: [
    'kubectl -n {ns} describe replicaset/{name}',
    'kubectl -n {ns} logs replicaset/{name} --all-containers --previous --tail=200',
  ],
  // A Job's pod ran to an end: its last output is the current container's, not a previous one.
  Job: ['kubectl -n {ns} describe job/{name}', 'kubectl -n {ns} logs job/{name} --all-containers'],
  // kubectl cannot read a CronJob's logs; its description names its last and active Jobs.
  CronJob: ['kubectl -n {ns} describe cronjob/{name}'],
  // Argo Rollouts' resource, spelt in full: `rollout` alone is kubectl's own verb.
  Rollout: ['kubectl -n {ns} describe rollouts.argoproj.io/{name}'],
  // Pods whose owner's kind nothing told: a DaemonSet's and a Job's look alike. Both
  // kinds are asked for by name; the one that exists answers, the other is not found.
  Workload: [
    'kubectl -n {ns} get daemonset/{name} job/{name} --ignore-not-found',
    'kubectl -n {ns} describe daemonset/{name} job/{name}',
  ],
  Node: [
    'kubectl describe node {name}',
    'kubectl get pods -A -o wide --field-selector spec.nodeName={name}',
    'kubectl top node {name}',
  ],
  // Spelt with the group: other projects (app.k8s.io) define an `Application` too.
  Application: [
    'kubectl -n {argocd} get applications.argoproj.io {name} -o yaml',
    'argocd app get {name}',
  ],
  PersistentVolumeClaim: ['kubectl -n {ns} describe pvc {name}'],
  Certificate: ['kubectl -n {ns} describe certificates.cert-manager.io {name}'],
  // Flux: its own view of the object, the controller's log lines about it, and the object
  // with its conditions and events (spelt with the group, as kubectl needs for a CRD).
  Kustomization: [
    'flux get kustomizations -n {ns} {name}',
    'flux logs --kind=Kustomization --name={name} -n {ns}',
    'kubectl -n {ns} describe kustomizations.kustomize.toolkit.fluxcd.io {name}',
  ],
  HelmRelease: [
    'flux get helmreleases -n {ns} {name}',
    'flux logs --kind=HelmRelease --name={name} -n {ns}',
    'kubectl -n {ns} describe helmreleases.helm.toolkit.fluxcd.io {name}',
  ],
};

/**
 * The commands for up to MAX_COMMAND_TARGETS targets, in their order, then once per
 * namespace its recent events. Targets whose names Kubernetes would refuse are skipped,
 * and so are Applications when `argocdNamespace` is not a namespace name.
 */
export function troubleshootingCommands(
  refs: TargetRef[],
  options: { argocdNamespace?: string } = {},
): string[] {
  const argocd = options.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE;
  const seen = new Set<string>();
  const valid = refs.filter((ref) => {
    const key = formatTargetRef(ref);
    if (seen.has(key) || !isValid(ref, argocd)) return false;
    seen.add(key);
    return true;
  });
  const targets = valid.slice(0, MAX_COMMAND_TARGETS);
  const commands = targets.flatMap((ref) =>
    COMMANDS[ref.kind].map((template) =>
      fill(template, { ns: ref.namespace ?? '', name: ref.name, argocd }),
    ),
  );
  const namespaces = [
    ...new Set(targets.flatMap((ref) => (isClusterScoped(ref.kind) ? [] : [ref.namespace ?? '']))),
  ];
  const events = namespaces.map((ns) => `kubectl -n ${ns} get events --sort-by=.lastTimestamp`);
  return [...new Set([...commands, ...events])];
}

/** Names that can go into a command: DNS names, a namespace for exactly the namespaced kinds. */
function isValid(ref: TargetRef, argocd: string): boolean {
  if (!Object.hasOwn(COMMANDS, ref.kind) || !isSubdomainName(ref.name)) return false;
  if (ref.kind === 'Application') return isLabelName(argocd);
  if (isClusterScoped(ref.kind)) return true;
  return ref.namespace !== undefined && isLabelName(ref.namespace);
}

function fill(template: string, values: { ns: string; name: string; argocd: string }): string {
  return template.replace(/\{(ns|name|argocd)\}/g, (_, key: keyof typeof values) => values[key]);
}
