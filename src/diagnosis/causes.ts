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
  /**
   * A manifest change kubemend can propose: the memory raised, or the images of the
   * previous revision (a rollback in the GitOps repository).
   */
  manifest?: 'raise-memory' | 'rollback';
}

export interface Cause {
  id: string;
  title: string;
  requires: Signal[];
  supports: { signal: Signal; weight: number }[];
  refutes: { signal: Signal; weight: number }[];
  /** Confidence when only the required signals hold. */
  base: number;
  /**
   * Commands to verify it; {namespace}, {workload}, {pod}, {node}, {app}, {rollout} (the
   * Deployment whose revisions were read) and {job} are filled in, in the fix's text too.
   */
  verify: string[];
  fix: Fix;
}

const PULLING: Signal = { kind: 'waiting', reasons: ['ErrImagePull', 'ImagePullBackOff'] };
const SKEW: Signal = { kind: 'clock-skew', minSeconds: 300 };
const PULL_EVENTS = 'kubectl -n {namespace} get events --field-selector reason=Failed';
const ROLLOUT: Signal = { kind: 'crash-began-with-rollout' };
const CRASH: Signal = { kind: 'crash-exit' };
const LIVENESS: Signal = {
  kind: 'event',
  reasons: ['Unhealthy'],
  message: /^Liveness probe failed/,
};
const EXEC_FORMAT: Signal = { kind: 'log', pattern: /exec format error/ };
// Name resolution failing, in the words of Go, glibc, musl, Node.js, Java and libpq.
const DNS: Signal = {
  kind: 'log',
  pattern:
    /\blookup \S+( on \S+)?: (no such host|server misbehaving|i\/o timeout)|Temporary failure in name resolution|Name or service not known|getaddrinfo (ENOTFOUND|EAI_AGAIN)|UnknownHostException|could not translate host name/,
};
// A named dependency refusing or not answering (the DNS answer was fine: an address is dialled).
const UNREACHABLE: Signal = {
  kind: 'log',
  pattern:
    /connection refused|ECONNREFUSED|\bdial tcp [\d.]+:\d+: (i\/o timeout|connect: no route to host)|ETIMEDOUT|EHOSTUNREACH|Connection timed out|context deadline exceeded/,
};
// The kubelet's and the scheduler's taints for node conditions are conditions, not a person's taint.
const CONDITION_TAINT =
  /untolerated taint \{node\.kubernetes\.io\/(disk-pressure|memory-pressure|pid-pressure|not-ready|unreachable):/;
const CLAIM_EVENTS =
  'kubectl -n {namespace} describe pvc   # Events: ProvisioningFailed, FailedBinding';

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
    refutes: [
      { signal: { kind: 'node-condition', types: ['MemoryPressure'] }, weight: 0.2 },
      // The new version needs more: the rollout is what a person names, the limit second.
      { signal: ROLLOUT, weight: 0.15 },
    ],
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
    // Whatever the new version's crash says (a missing setting, a wrong architecture, more
    // memory), the previous revision ran: rolling back is the first answer.
    requires: [ROLLOUT],
    supports: [
      { signal: CRASH, weight: 0.05 },
      { signal: { kind: 'older-revision-healthy' }, weight: 0.02 },
    ],
    refutes: [],
    base: 0.9,
    verify: [
      'kubectl -n {namespace} rollout history {rollout}',
      'kubectl -n {namespace} logs {pod} --previous',
    ],
    fix: {
      text: 'Roll back to the previous revision (`kubectl -n {namespace} rollout undo {rollout}`, or revert the commit in the GitOps repository) and fix the new version; kubemend proposes the revert of the image, and the crash-loop playbook rolls back with `rollback: true`.',
      playbook: { name: 'crash-loop', mode: 'approve' },
      manifest: 'rollback',
    },
  },
  {
    id: 'missing-config',
    title: 'A Secret or ConfigMap the pod needs does not exist',
    // Referenced from the environment (the container cannot be created) or mounted as a
    // volume (the pod stays in ContainerCreating).
    requires: [
      {
        kind: 'any',
        of: [
          { kind: 'waiting', reasons: ['CreateContainerConfigError'] },
          {
            kind: 'event',
            reasons: ['FailedMount'],
            message: /(secret|configmap) "[^"]*" not found/,
          },
        ],
      },
    ],
    supports: [],
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
    // The reading of last resort: any specific reason of its log ranks above it.
    requires: [CRASH],
    supports: [],
    refutes: [
      { signal: ROLLOUT, weight: 0.3 },
      { signal: LIVENESS, weight: 0.3 },
      { signal: EXEC_FORMAT, weight: 0.3 },
      { signal: DNS, weight: 0.15 },
      { signal: UNREACHABLE, weight: 0.15 },
    ],
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
        message:
          /untolerated taint \{(?!node-role\.kubernetes\.io\/(control-plane|master):|node\.kubernetes\.io\/)/,
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
    id: 'readiness-probe',
    title: 'The readiness probe fails, so the pods get no traffic',
    requires: [{ kind: 'event', reasons: ['Unhealthy'], message: /^Readiness probe failed/ }],
    supports: [],
    refutes: [
      { signal: CRASH, weight: 0.2 },
      { signal: LIVENESS, weight: 0.2 },
      // The probe fails because a dependency the application checks is down: the log names it.
      { signal: UNREACHABLE, weight: 0.15 },
      { signal: DNS, weight: 0.15 },
    ],
    base: 0.8,
    verify: [
      'kubectl -n {namespace} get pod {pod} -o jsonpath="{.spec.containers[*].readinessProbe}"',
      'kubectl -n {namespace} get events --field-selector reason=Unhealthy',
    ],
    fix: {
      text: 'Make the probe ask what the application answers (path, port, timeout), or fix what the application reports unready for (a dependency it checks).',
    },
  },
  {
    id: 'liveness-probe',
    title: 'The liveness probe fails, so the kubelet kills and restarts the container',
    requires: [LIVENESS],
    supports: [
      {
        signal: { kind: 'event', reasons: ['Killing'], message: /failed liveness probe/ },
        weight: 0.1,
      },
    ],
    refutes: [{ signal: ROLLOUT, weight: 0.1 }],
    base: 0.85,
    verify: [
      'kubectl -n {namespace} get pod {pod} -o jsonpath="{.spec.containers[*].livenessProbe}"',
      'kubectl -n {namespace} get events --field-selector reason=Unhealthy',
    ],
    fix: {
      text: 'Fix the probe (path, port, a longer initialDelaySeconds or a startupProbe for a slow start) or the hang it detects; restarting does not help while the probe fails.',
    },
  },
  {
    id: 'init-container',
    title: 'An init container fails, so the pod never starts',
    requires: [{ kind: 'crash-exit', init: true }],
    supports: [
      { signal: { kind: 'waiting', reasons: ['CrashLoopBackOff'], init: true }, weight: 0.05 },
    ],
    refutes: [],
    base: 0.85,
    verify: [
      'kubectl -n {namespace} get pod {pod} -o jsonpath="{.status.initContainerStatuses}"',
      'kubectl -n {namespace} logs {pod} -c <init container> --previous',
    ],
    fix: {
      text: 'Read the init container’s log: what it waits for or migrates (a database, a schema, a file) is what to fix.',
    },
  },
  {
    id: 'wrong-architecture',
    title: 'The image is built for another CPU architecture (exec format error)',
    requires: [EXEC_FORMAT],
    supports: [{ signal: CRASH, weight: 0.05 }],
    refutes: [{ signal: ROLLOUT, weight: 0.1 }],
    base: 0.9,
    verify: [
      'kubectl get node {node} -o jsonpath="{.status.nodeInfo.architecture}"',
      'docker buildx imagetools inspect <the image>   # is linux/<that architecture> listed?',
    ],
    fix: {
      text: 'Build and push the image for the nodes’ architecture (`docker buildx build --platform linux/amd64,linux/arm64`), or pin the pods to nodes of its architecture (nodeSelector kubernetes.io/arch).',
    },
  },
  {
    id: 'dns-failure',
    title: 'The application cannot resolve a name (DNS)',
    requires: [DNS],
    supports: [{ signal: CRASH, weight: 0.05 }],
    refutes: [{ signal: ROLLOUT, weight: 0.15 }],
    base: 0.75,
    verify: [
      'kubectl -n {namespace} get svc   # does the name in the log exist here?',
      'kubectl -n kube-system get pods -l k8s-app=kube-dns',
      'kubectl -n {namespace} run -it --rm dns-test --image=busybox:1.36 --restart=Never -- nslookup <the name>',
    ],
    fix: {
      text: 'Fix the name the application is configured with (a Service in another namespace needs `name.namespace`), create the missing Service, or repair cluster DNS if every lookup fails.',
    },
  },
  {
    id: 'dependency-unreachable',
    title: 'A service the application depends on refuses or does not answer',
    requires: [UNREACHABLE],
    supports: [{ signal: CRASH, weight: 0.05 }],
    refutes: [
      { signal: ROLLOUT, weight: 0.15 },
      { signal: DNS, weight: 0.1 },
    ],
    base: 0.7,
    verify: [
      'kubectl -n {namespace} get endpointslices   # has the dependency ready endpoints?',
      'kubectl -n {namespace} get networkpolicies',
    ],
    fix: {
      text: 'Bring the dependency named in the log back (its pods, its Service’s endpoints), or fix a NetworkPolicy or port that keeps it out of reach; this workload recovers once it answers.',
    },
  },
  {
    id: 'resource-quota',
    title: "The namespace's ResourceQuota refuses new pods",
    requires: [
      { kind: 'event', reasons: ['FailedCreate'], message: /exceeded quota|failed quota/ },
    ],
    supports: [],
    refutes: [],
    base: 0.9,
    verify: ['kubectl -n {namespace} describe resourcequota'],
    fix: {
      text: 'Raise the quota, lower the requests and limits, or free what other workloads hold; a quota on limits also needs every container to declare them.',
    },
  },
  {
    id: 'limit-range',
    title: "The namespace's LimitRange refuses the pods' requests or limits",
    requires: [
      {
        kind: 'event',
        reasons: ['FailedCreate'],
        message: /(maximum|minimum) \S+ usage per (Container|Pod)/,
      },
    ],
    supports: [],
    refutes: [],
    base: 0.9,
    verify: ['kubectl -n {namespace} describe limitrange'],
    fix: { text: 'Bring the containers’ requests and limits within the LimitRange, or change it.' },
  },
  {
    id: 'storage-class-missing',
    title: 'A claim names a StorageClass that does not exist',
    requires: [
      {
        kind: 'event',
        reasons: ['ProvisioningFailed'],
        message: /storageclass\.storage\.k8s\.io "[^"]*" not found/,
      },
    ],
    supports: [
      {
        signal: {
          kind: 'event',
          reasons: ['FailedScheduling'],
          message: /unbound immediate PersistentVolumeClaims/,
        },
        weight: 0.05,
      },
    ],
    refutes: [],
    base: 0.9,
    verify: [CLAIM_EVENTS, 'kubectl get storageclass'],
    fix: {
      text: 'Set storageClassName to a class that exists (`kubectl get storageclass`), or install the class; a claim’s class cannot be changed, so delete and recreate the claim.',
    },
  },
  {
    id: 'pvc-no-volume',
    title: 'A claim without a StorageClass finds no volume to bind',
    requires: [
      {
        kind: 'event',
        reasons: ['FailedBinding'],
        message: /no persistent volumes available for this claim/,
      },
    ],
    supports: [],
    refutes: [],
    base: 0.85,
    verify: [CLAIM_EVENTS, 'kubectl get pv'],
    fix: {
      text: 'Create a PersistentVolume that matches the claim (size, access mode), or give the claim a StorageClass that provisions one.',
    },
  },
  {
    id: 'pvc-access-mode',
    title: "The StorageClass's provisioner cannot offer the claim's access mode",
    requires: [{ kind: 'event', reasons: ['ProvisioningFailed'], message: /access mode/ }],
    supports: [],
    refutes: [],
    base: 0.85,
    verify: [CLAIM_EVENTS, 'kubectl get storageclass -o wide'],
    fix: {
      text: 'Ask for an access mode the class supports (ReadWriteOnce for node-local storage), or use a class whose provisioner offers ReadWriteMany (NFS, CephFS, Longhorn RWX).',
    },
  },
  {
    id: 'pvc-pending',
    title: 'A claim the pods mount is not bound',
    requires: [
      {
        kind: 'event',
        reasons: ['FailedScheduling'],
        message: /unbound immediate PersistentVolumeClaims/,
      },
    ],
    supports: [],
    refutes: [],
    base: 0.6,
    verify: [CLAIM_EVENTS, 'kubectl get storageclass'],
    fix: {
      text: 'Read the claim’s events: its StorageClass, its provisioner or its volume is what to fix.',
    },
  },
  {
    id: 'node-not-ready',
    title: 'A node hosting the pods is NotReady',
    requires: [{ kind: 'node-condition', types: ['Ready'] }],
    supports: [],
    refutes: [],
    base: 0.85,
    verify: [
      'kubectl get node {node} -o wide',
      'kubectl describe node {node}   # Conditions, and the last heartbeat',
      'ssh {node} systemctl status kubelet containerd',
    ],
    fix: {
      text: 'Bring the node back (its kubelet, container runtime, network or power) or drain and replace it; the pods are recreated elsewhere once it is drained or its NoExecute taint evicts them.',
      playbook: { name: 'node', mode: 'approve' },
    },
  },
  {
    id: 'node-pressure',
    title: 'A node hosting the pods is under memory, disk or PID pressure',
    requires: [
      {
        kind: 'node-condition',
        types: ['MemoryPressure', 'DiskPressure', 'PIDPressure'],
        status: ['True'],
      },
    ],
    supports: [
      {
        signal: { kind: 'event', reasons: ['FailedScheduling'], message: CONDITION_TAINT },
        weight: 0.05,
      },
      { signal: { kind: 'event', reasons: ['Evicted'] }, weight: 0.05 },
    ],
    refutes: [],
    base: 0.8,
    verify: [
      'kubectl describe node {node}   # Conditions: MemoryPressure, DiskPressure, PIDPressure',
      'ssh {node} df -h /var/lib/containerd /var/lib/kubelet',
    ],
    fix: {
      text: 'Free the resource on the node (prune images, move or limit the hungry pods) or give it more; the kubelet evicts pods and the scheduler avoids it until the condition clears.',
      playbook: { name: 'node', mode: 'approve' },
    },
  },
  {
    id: 'pdb-blocks-eviction',
    title: 'A PodDisruptionBudget allows no eviction, so a drain or node rollout cannot proceed',
    requires: [{ kind: 'budget-blocks' }],
    supports: [{ signal: { kind: 'node-cordoned' }, weight: 0.15 }],
    refutes: [],
    base: 0.7,
    verify: [
      'kubectl -n {namespace} get pdb   # ALLOWED DISRUPTIONS 0?',
      'kubectl get nodes   # SchedulingDisabled: a drain waiting',
    ],
    fix: {
      text: 'Let the budget allow one disruption (maxUnavailable: 1, or minAvailable below the replicas), or add a replica first; then the drain proceeds.',
    },
  },
  {
    id: 'hpa-at-max',
    title: 'The autoscaler is pinned at its maximum replicas',
    requires: [{ kind: 'autoscaler-at-max' }],
    supports: [],
    refutes: [],
    base: 0.8,
    verify: [
      'kubectl -n {namespace} describe hpa   # ScalingLimited: TooManyReplicas',
      'kubectl -n {namespace} top pods',
    ],
    fix: {
      text: 'Raise maxReplicas (if the nodes have room) or find why each pod needs more CPU than before (a slow dependency, a hot loop, more traffic).',
    },
  },
  {
    id: 'job-backoff-limit',
    title: 'The Job failed: its pods failed more often than its backoffLimit',
    requires: [{ kind: 'event', reasons: ['BackoffLimitExceeded'] }],
    supports: [],
    refutes: [],
    base: 0.85,
    verify: [
      'kubectl -n {namespace} describe job {job}',
      'kubectl -n {namespace} logs -l job-name={job} --tail=20',
    ],
    fix: {
      text: 'Read the failed pods’ logs for why each run failed; fix that, then delete and recreate the Job (a failed Job does not run again).',
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
