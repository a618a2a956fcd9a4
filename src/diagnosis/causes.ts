// The knowledge base: each cause names the signals it requires (all must hold for it to
// be a candidate), those that support it and those that refute it, with weights; the
// commands that verify it; and the fix. Rules as data: adding a cause is adding an entry.
import type { Playbook, PlaybookMode } from '../shared/constants.js';
import type { Signal } from './signals.js';

export interface Fix {
  /** What to do, for a person. */
  text: string;
  /** The playbook that fixes it, and the mode to run it in. */
  playbook?: { name: Playbook; mode: PlaybookMode };
  /** A manifest change kubemend can propose. */
  manifest?: 'raise-memory';
}

export interface Cause {
  id: string;
  title: string;
  requires: Signal[];
  supports: { signal: Signal; weight: number }[];
  refutes: { signal: Signal; weight: number }[];
  /** Confidence when only the required signals hold. */
  base: number;
  /** Commands to verify it; {namespace}, {workload}, {pod}, {node} and {app} are filled in. */
  verify: string[];
  fix: Fix;
}

const PULLING: Signal = { kind: 'waiting', reasons: ['ErrImagePull', 'ImagePullBackOff'] };
const SKEW: Signal = { kind: 'clock-skew', minSeconds: 300 };
const PULL_EVENTS = 'kubectl -n {namespace} get events --field-selector reason=Failed';

export const CAUSES: Cause[] = [
  {
    id: 'node-clock-drift',
    title: "A node's clock drifts, so registry TLS certificates look not yet valid or expired",
    requires: [{ kind: 'pull-error', classes: ['tls'] }, SKEW],
    supports: [{ signal: PULLING, weight: 0.05 }],
    refutes: [],
    base: 0.9,
    verify: [
      'kubectl get node {node} -o jsonpath="{.status.conditions[?(@.type==\'Ready\')].lastHeartbeatTime}"; date -u',
      'ssh {node} timedatectl status   # NTP synchronized: yes?',
    ],
    fix: {
      text: "Resynchronise the node's clock (chrony or systemd-timesyncd), then delete its stuck pods; kubemend's image-pull playbook deletes them once the clock is right.",
      playbook: { name: 'image-pull', mode: 'approve' },
    },
  },
  {
    id: 'expired-certificate',
    title: 'A certificate has expired or is not trusted (registry, webhook or service)',
    requires: [
      {
        kind: 'log',
        pattern: /x509: certificate has expired|certificate signed by unknown authority/,
      },
    ],
    supports: [{ signal: { kind: 'pull-error', classes: ['tls'] }, weight: 0.1 }],
    refutes: [{ signal: SKEW, weight: 0.4 }],
    base: 0.6,
    verify: [
      'openssl s_client -connect <host>:443 -servername <host> </dev/null | openssl x509 -noout -dates',
      'kubectl get certificates -A   # cert-manager: READY False?',
    ],
    fix: { text: 'Renew the certificate (cert-manager: `cmctl renew`) or fix the CA bundle.' },
  },
  {
    id: 'registry-unreachable',
    title: 'The registry cannot be reached (outage, DNS or egress)',
    requires: [{ kind: 'pull-error', classes: ['unreachable', 'timeout'] }],
    supports: [{ signal: PULLING, weight: 0.1 }],
    refutes: [{ signal: SKEW, weight: 0.2 }],
    base: 0.8,
    verify: [
      PULL_EVENTS,
      'kubectl run -it --rm pull-test --image=<the image> --restart=Never -- true',
    ],
    fix: {
      text: "Wait for the registry or pull through a mirror (`playbooks.image-pull.mirrors`); once it answers, delete the stuck pods so they pull now rather than at the kubelet's next back-off.",
      playbook: { name: 'image-pull', mode: 'auto' },
    },
  },
  {
    id: 'registry-rate-limit',
    title: 'The registry rate-limits pulls',
    requires: [{ kind: 'pull-error', classes: ['rate-limit'] }],
    supports: [{ signal: PULLING, weight: 0.1 }],
    refutes: [],
    base: 0.85,
    verify: [PULL_EVENTS],
    fix: {
      text: 'Authenticate the pulls (imagePullSecrets) or pull through a mirror; kubemend proposes rewriting the images to the configured mirror.',
      playbook: { name: 'image-pull', mode: 'propose' },
    },
  },
  {
    id: 'bad-image-tag',
    title: 'The image or tag does not exist',
    requires: [{ kind: 'pull-error', classes: ['not-found'] }],
    supports: [{ signal: { kind: 'older-revision-healthy' }, weight: 0.05 }],
    refutes: [],
    base: 0.85,
    verify: [PULL_EVENTS, 'crane ls <repository>   # or: docker manifest inspect <image>'],
    fix: { text: 'Set the image to a tag that exists in the manifest, or roll back the rollout.' },
  },
  {
    id: 'registry-auth',
    title: 'The registry refuses the credentials',
    requires: [{ kind: 'pull-error', classes: ['auth'] }],
    supports: [],
    refutes: [],
    base: 0.8,
    verify: [
      PULL_EVENTS,
      'kubectl -n {namespace} get {workload} -o jsonpath="{.spec.template.spec.imagePullSecrets}"',
    ],
    fix: {
      text: 'Fix the imagePullSecrets (or the repository name): kubemend does not handle credentials.',
    },
  },
  {
    id: 'memory-limit',
    title: 'The memory limit is below what the container needs',
    requires: [{ kind: 'terminated', reasons: ['OOMKilled'] }],
    supports: [{ signal: { kind: 'waiting', reasons: ['CrashLoopBackOff'] }, weight: 0.1 }],
    refutes: [{ signal: { kind: 'node-condition', types: ['MemoryPressure'] }, weight: 0.2 }],
    base: 0.85,
    verify: [
      'kubectl -n {namespace} get pod {pod} -o jsonpath="{.status.containerStatuses[*].lastState.terminated.reason}"',
      'kubectl -n {namespace} top pod --containers',
    ],
    fix: {
      text: 'Raise the memory limit and request (kubemend proposes +25%, capped by `playbooks.oom.max-memory`), or find the leak.',
      playbook: { name: 'oom', mode: 'propose' },
      manifest: 'raise-memory',
    },
  },
  {
    id: 'crash-after-rollout',
    title: 'The crash began with the latest rollout',
    requires: [{ kind: 'crash-began-with-rollout' }],
    supports: [{ signal: { kind: 'crash-exit' }, weight: 0.05 }],
    refutes: [],
    base: 0.9,
    verify: [
      'kubectl -n {namespace} rollout history {workload}',
      'kubectl -n {namespace} logs {pod} --previous',
    ],
    fix: {
      text: 'Roll back (`kubectl rollout undo`, or revert the commit in the GitOps repository) and fix the new version; the crash-loop playbook rolls back with `rollback: true`.',
      playbook: { name: 'crash-loop', mode: 'approve' },
    },
  },
  {
    id: 'missing-config',
    title: 'A Secret or ConfigMap the pod needs does not exist',
    requires: [{ kind: 'waiting', reasons: ['CreateContainerConfigError'] }],
    supports: [
      { signal: { kind: 'event', reasons: ['FailedMount'], message: /not found/ }, weight: 0.1 },
    ],
    refutes: [],
    base: 0.85,
    verify: [
      'kubectl -n {namespace} describe pod {pod}',
      'kubectl -n {namespace} get secrets,configmaps',
    ],
    fix: { text: 'Create the missing Secret or ConfigMap (or fix the reference in the manifest).' },
  },
  {
    id: 'application-crash',
    title: 'The application exits with an error',
    requires: [{ kind: 'crash-exit' }],
    supports: [],
    refutes: [{ signal: { kind: 'crash-began-with-rollout' }, weight: 0.3 }],
    base: 0.5,
    verify: ['kubectl -n {namespace} logs {pod} --previous'],
    fix: {
      text: "Read the previous instance's log above; a rollout restart helps only with a transient dependency.",
      playbook: { name: 'crash-loop', mode: 'approve' },
    },
  },
  {
    id: 'untolerated-taint',
    title: 'The pods do not tolerate the taints of the nodes that have room',
    // The control plane's taint is in every message of a cluster with one: not a cause.
    requires: [
      {
        kind: 'event',
        reasons: ['FailedScheduling'],
        message: /untolerated taint \{(?!node-role\.kubernetes\.io\/(control-plane|master):)/,
      },
    ],
    supports: [],
    refutes: [
      {
        signal: {
          kind: 'event',
          reasons: ['FailedScheduling'],
          message: /Insufficient (cpu|memory)/,
        },
        weight: 0.2,
      },
    ],
    base: 0.8,
    verify: ['kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints'],
    fix: { text: 'Add the toleration to the pod template, or remove the taint if it is stale.' },
  },
  {
    id: 'insufficient-capacity',
    title: 'No node has room for the pods’ requests',
    requires: [
      { kind: 'event', reasons: ['FailedScheduling'], message: /Insufficient (cpu|memory)/ },
    ],
    supports: [],
    refutes: [],
    base: 0.8,
    verify: ['kubectl describe nodes | grep -A8 "Allocated resources"'],
    fix: { text: 'Lower the requests, add nodes, or free capacity.' },
  },
  {
    id: 'pvc-multi-attach',
    title: 'The volume is still attached to another node (Multi-Attach)',
    requires: [{ kind: 'event', reasons: ['FailedAttachVolume'], message: /Multi-Attach/ }],
    supports: [],
    refutes: [],
    base: 0.85,
    verify: ['kubectl get volumeattachments', 'kubectl -n {namespace} describe pod {pod}'],
    fix: {
      text: 'Let the old pod on the other node terminate (or delete it); for Longhorn the storage playbook restarts stuck helpers.',
      playbook: { name: 'storage', mode: 'approve' },
    },
  },
  {
    id: 'argocd-sync-failed',
    title: 'Argo CD cannot sync the Application',
    requires: [{ kind: 'argocd', sync: ['OutOfSync', 'Unknown'] }],
    supports: [{ signal: { kind: 'argocd', health: ['Degraded', 'Missing'] }, weight: 0.1 }],
    refutes: [],
    base: 0.6,
    verify: [
      'argocd app get {app} --hard-refresh',
      'kubectl -n argocd get application {app} -o yaml',
    ],
    fix: {
      text: 'Read the last operation message; the argocd playbook hard-refreshes and syncs.',
      playbook: { name: 'argocd', mode: 'approve' },
    },
  },
];
