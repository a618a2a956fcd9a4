// The rules kubemend ships, as data, in the same shape as a user's rules in
// .github/kubemend.yml (a test validates them against the schema). Each pattern is
// wording real systems emit; the comment above each group says where it comes from.
// Patterns are case-insensitive and unanchored unless they say otherwise.
//
// Confidence: about 0.95 for the reason a component states (OOMKilled, ErrImagePull),
// 0.85-0.9 for a message or alert name that names the problem, 0.5-0.7 for hints that
// need company (an exit code, a generic status). A symptom's rule may be confident;
// categories.ts ranks it below its cause.
import { PLAYBOOKS } from '../shared/constants.js';
import type { RuleSpec } from './rule-spec.js';

/** Text of an image pull: keeps registry TLS and auth errors apart from other x509 and 401s. */
const PULL_CONTEXT = String.raw`\bpull|\bimage\b|registry|manifest|/v2/|docker\.io|ghcr\.io|quay\.io|\.ecr\.|gcr\.io`;

/** A volume that cannot mount because the Secret or ConfigMap behind it is missing: a config error. */
const MISSING_CONFIG = String.raw`(secrets?|configmaps?|config ?map) "[^"]+" not found|couldn't find key \S+ in (Secret|ConfigMap)`;

export const BUILTIN_RULES: RuleSpec[] = [
  // ── image-pull ─ kubelet (pkg/kubelet/images), containerd/CRI-O errors, registries ──
  {
    name: 'image-pull/reason',
    category: 'image-pull',
    confidence: 0.95,
    match: {
      reason:
        '^(ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|RegistryUnavailable|ErrRegistryUnavailable|ErrImageInspect|ImageInspectError|ErrImagePullBackOff)$',
    },
  },
  {
    name: 'image-pull/back-off-pulling',
    category: 'image-pull',
    confidence: 0.9,
    match: {
      message: String.raw`Back-?off pulling image|ImagePullBackOff|ErrImagePull\b|ErrImageNeverPull|InvalidImageName`,
    },
  },
  {
    name: 'image-pull/failed-to-pull',
    category: 'image-pull',
    confidence: 0.9,
    match: {
      message: String.raw`Failed to pull image|failed to pull and unpack image|failed to (resolve|fetch) (reference|image|manifest)|Error response from daemon: (pull access denied|manifest for|Get "?https?://)|error pulling image|pulling image .* failed|image pull failed|Failed to inspect image|Couldn't pull image|cannot pull image|unable to pull image`,
    },
  },
  {
    name: 'image-pull/rate-limit',
    category: 'image-pull',
    confidence: 0.9,
    match: {
      message: String.raw`toomanyrequests|pull rate limit|reached your pull rate limit|429 Too Many Requests.*(pull|image|registry|manifest)`,
    },
  },
  {
    name: 'image-pull/not-found',
    category: 'image-pull',
    confidence: 0.85,
    match: {
      message: String.raw`manifest unknown|manifest for \S+ not found|not found: manifest|repository does not exist or may require|name unknown|no matching manifest for|insufficient_scope|requested access to the resource is denied`,
    },
  },
  {
    name: 'image-pull/unauthorized',
    category: 'image-pull',
    confidence: 0.8,
    match: {
      message: String.raw`pull access denied|unauthorized: authentication required|(unable to|failed to|cannot) (log ?in|authenticate) (to|with|against) (the )?(container )?registry|imagePullSecrets|no basic auth credentials|unauthorized to access repository|authorization failed.*(pull|image|registry)|(pull|image|registry|manifest).*(401 Unauthorized|403 Forbidden|unauthorized)`,
    },
  },
  {
    name: 'image-pull/registry-tls',
    category: 'image-pull',
    confidence: 0.85,
    match: {
      message: String.raw`(${PULL_CONTEXT}).*(x509|tls: |certificate)|(x509|tls: ).*(${PULL_CONTEXT})`,
    },
    // An admission webhook's certificate is not a registry's, whatever the webhook is called.
    unless: { message: String.raw`calling webhook|failed to call webhook` },
  },
  {
    name: 'image-pull/registry-unreachable',
    category: 'image-pull',
    confidence: 0.85,
    match: {
      message: String.raw`(${PULL_CONTEXT}).*(i/o timeout|TLS handshake timeout|context deadline exceeded|no such host|connection refused|connection reset|Client.Timeout exceeded|dial tcp|503 Service Unavailable|502 Bad Gateway|EOF)`,
    },
  },
  // Recovery: the kubelet pulled the image after all.
  {
    name: 'image-pull/pulled',
    category: 'image-pull',
    confidence: 0.6,
    match: { reason: '^Pulled$' },
  },
  // kube-state-metrics waiting reasons and the alert names people give them.
  {
    name: 'image-pull/alert-name',
    category: 'image-pull',
    confidence: 0.9,
    match: {
      labels: {
        alertname: String.raw`ImagePull|ErrImage|PullBackOff|ImagePullError|Image(Absent|NotFound|Missing|Unavailable)|BadImageFormat|RegistryUnavailable|Registry(Auth|Authentication|Authorization)|(Authentication|Authorization)Failure`,
      },
    },
  },

  // ── oom ─ kubelet container status, node-problem-detector, kubelet SystemOOM ──
  {
    name: 'oom/reason',
    category: 'oom',
    confidence: 0.95,
    match: {
      reason: '^(OOMKilled|OOMKilling|PodOOMKilling|SystemOOM|CgroupOOM|OutOfmemory|OOMKill)$',
    },
  },
  {
    name: 'oom/message',
    category: 'oom',
    confidence: 0.9,
    match: {
      message: String.raw`OOMKilled|OOM[- ]?kill|oom_kill|Memory cgroup out of memory|out of memory: kill|Killed process \d+|(System|Cgroup) OOM encountered|invoked oom-killer|Kill process \d+ .*sacrifice child|was OOM|reason: "?OOMKilled|Out of memory|OutOfMemoryError|JavaScript heap out of memory|memory limit exceeded`,
    },
    // The node running low is the node's problem (eviction), not a container's limit.
    unless: {
      message: String.raw`low on resource|MemoryPressure|has insufficient memory|\d+ Insufficient memory|(host|node|system) is running out of memory|Memory is filling up`,
    },
  },
  {
    name: 'oom/alert-name',
    category: 'oom',
    confidence: 0.9,
    // Case-insensitive matching: `OOM` alone would find "TooManyPods".
    match: {
      labels: {
        alertname: String.raw`OOM ?Kill|^OOM|OOM$|OutOfMemory|MemoryLimitReached|ContainerMemoryLimit`,
      },
    },
    // A host or node running low on memory is the node's problem.
    unless: {
      labels: { alertname: String.raw`^(Host|Node|KubernetesNode|KubernetesMemoryPressure)` },
    },
  },
  {
    name: 'oom/near-limit',
    category: 'oom',
    confidence: 0.6,
    match: {
      message: String.raw`memory (usage|working set) .*(of|above|near|close to) (its |the )?(memory )?limit|close to (its|the) memory limit`,
    },
  },
  // Exit 137 is SIGKILL: the OOM killer's, but also a liveness probe's or an eviction's.
  { name: 'oom/exit-137', category: 'oom', confidence: 0.5, match: { 'exit-code': '^137$' } },

  // ── crash-loop ─ kubelet (kuberuntime) back-off, kube-state-metrics, kubernetes-mixin ──
  {
    name: 'crash-loop/reason',
    category: 'crash-loop',
    confidence: 0.9,
    match: { reason: '^(CrashLoopBackOff|RunContainerError|ContainerCannotRun|StartError)$' },
  },
  {
    name: 'crash-loop/back-off-restarting',
    category: 'crash-loop',
    confidence: 0.85,
    match: {
      message: String.raw`Back-?off( \S+)? restarting failed container|CrashLoopBackOff|crash ?loop|crashing pod|pod \S+ (is )?crashing|keeps crashing|is restarting [\d.]+ times|restarted [\d.]+ times|container .* (exited|terminated) with (a )?non-?zero`,
    },
    unless: { labels: { alertname: String.raw`^(Node|Host)` } },
  },
  // The runtime could not start the container's process: it will be restarted and back off.
  {
    name: 'crash-loop/start-failed',
    category: 'crash-loop',
    confidence: 0.75,
    match: {
      message: String.raw`failed to (create|start) (containerd|shim) task|OCI runtime (create|start) failed|unable to start container process|exec format error|executable file not found in \$PATH|failed to start container`,
    },
  },
  {
    name: 'crash-loop/alert-name',
    category: 'crash-loop',
    confidence: 0.9,
    match: {
      labels: {
        alertname: String.raw`CrashLoop|PodRestart|ContainerRestart|TooManyRestarts|RestartingTooFrequently|RestartingTooMuch|Restarting(Constantly|Often)`,
      },
    },
    // A systemd unit crash-looping on a node is the node's problem.
    unless: { labels: { alertname: String.raw`^(Node|Host)` } },
  },
  {
    name: 'crash-loop/terminated-error',
    category: 'crash-loop',
    confidence: 0.6,
    match: { reason: '^(Error|ContainerStatusUnknown)$' },
    unless: { reason: '^(OOMKilled|Completed)$' },
  },
  {
    name: 'crash-loop/exit-code',
    category: 'crash-loop',
    confidence: 0.45,
    match: { 'exit-code': String.raw`^(?!0$|137$)-?\d+$` },
  },

  // ── argocd ─ Argo CD notifications (catalog triggers), Application status ──
  {
    name: 'argocd/notification',
    category: 'argocd',
    confidence: 0.6,
    match: { source: '^argocd$' },
  },
  {
    name: 'argocd/health',
    category: 'argocd',
    confidence: 0.8,
    match: { source: '^argocd$', status: '^(Degraded|Missing|Unknown|Suspended)$' },
  },
  {
    name: 'argocd/progressing',
    category: 'argocd',
    confidence: 0.7,
    match: { source: '^argocd$', status: '^Progressing$' },
  },
  {
    name: 'argocd/sync',
    category: 'argocd',
    confidence: 0.75,
    match: { source: '^argocd$', status: '^(OutOfSync|Unknown|Failed|Error)$' },
  },
  {
    name: 'argocd/operation-failed',
    category: 'argocd',
    confidence: 0.85,
    match: {
      message: String.raw`ComparisonError|one or more (objects|synchronization tasks) (failed|are not valid|completed unsuccessfully)|sync(hronization)? (failed|error)|SyncError|failed to sync|Operation (has )?(failed|completed with phase: (Failed|Error))|Unable to (load|create) application|application (is )?(degraded|out ?of ?sync)|rpc error: code = \w+ desc = .*(helm|kustomize|manifest generation|repository)|Manifest generation error`,
    },
  },
  {
    name: 'argocd/alert-name',
    category: 'argocd',
    confidence: 0.85,
    match: { labels: { alertname: String.raw`Argo|ArgoCD|ArgoApp` } },
  },
  {
    name: 'argocd/event',
    category: 'argocd',
    confidence: 0.8,
    match: { kind: '^(Application|AppProject)$' },
  },

  // ── flux ─ kustomize-controller and helm-controller events (fluxcd/pkg/apis/meta
  // reasons, helm-controller v2 release actions), Kustomization and HelmRelease conditions ──
  {
    name: 'flux/notification',
    category: 'flux',
    confidence: 0.6,
    match: { source: '^flux$' },
  },
  {
    name: 'flux/reason',
    category: 'flux',
    confidence: 0.8,
    match: {
      reason:
        '^(ReconciliationFailed|BuildFailed|ArtifactFailed|HealthCheckFailed|DependencyNotReady|PruneFailed|InstallFailed|UpgradeFailed|RollbackFailed|UninstallFailed|TestFailed|RetriesExceeded|InitFailed|GetLastReleaseFailed)$',
    },
  },
  // A Kustomization applying a custom resource before its CRD exists (server-side dry run
  // refuses it): an ordering problem (dependsOn) that a reconcile fixes once the CRD is there.
  {
    name: 'flux/missing-crd',
    category: 'flux',
    confidence: 0.9,
    match: {
      message: String.raw`no matches for kind "?\w+"? in (version|group)|ensure CRDs are installed first|CustomResourceDefinition \S+ not found`,
    },
  },
  // helm-controller: an upgrade that failed and, with remediation, was rolled back.
  {
    name: 'flux/helm-release-failed',
    category: 'flux',
    confidence: 0.9,
    match: {
      message: String.raw`Helm (install|upgrade|test|rollback|uninstall) failed|(upgrade|install) retries exhausted|Helm rollback to previous release|rolled back to|has been rolled back|failed to (upgrade|install) (the )?(chart|release)|release .* (failed|in a failed state)`,
    },
  },
  {
    name: 'flux/event-kind',
    category: 'flux',
    confidence: 0.8,
    match: { kind: '^(Kustomization|HelmRelease)$' },
  },

  // ── storage ─ attach/detach and volume managers, PV controller, CSI, Longhorn ──
  {
    name: 'storage/reason',
    category: 'storage',
    confidence: 0.9,
    match: {
      reason:
        '^(FailedMount|FailedAttachVolume|FailedDetachVolume|FailedMapVolume|FailedUnMount|FailedUnmount|VolumeFailedDelete|ProvisioningFailed|FailedBinding|VolumeResizeFailed|FileSystemResizeFailed|VolumeMismatch|ClaimLost|ClaimMisbound|FailedUnmapDevice|WaitForPodScheduled|ExternalProvisioning|VolumeConditionAbnormal)$',
    },
    unless: { message: MISSING_CONFIG },
  },
  {
    name: 'storage/recovered',
    category: 'storage',
    confidence: 0.6,
    match: {
      reason:
        '^(SuccessfulAttachVolume|SuccessfulMountVolume|ProvisioningSucceeded|VolumeResizeSuccessful|FileSystemResizeSuccessful)$',
    },
  },
  {
    name: 'storage/ephemeral-limit',
    category: 'storage',
    confidence: 0.9,
    match: {
      message: String.raw`ephemeral (local )?storage usage exceeds|exceeded its local ephemeral storage limit|usage of EmptyDir volume .* exceeds the limit`,
    },
  },
  {
    name: 'storage/mount-missing-config',
    category: 'storage',
    confidence: 0.5,
    match: {
      message: String.raw`(MountVolume|FailedMount|mount).*(secrets?|configmaps?) "[^"]+" not found`,
    },
  },
  {
    name: 'storage/message',
    category: 'storage',
    confidence: 0.85,
    match: {
      message: String.raw`MountVolume\.(?!SetUp failed for volume "[^"]+" : (secret|configmap))\w+ failed|Multi-Attach error|already (exclusively attached|used by pod)|AttachVolume\.Attach failed|DetachVolume\.Detach failed|Unable to (attach or mount|mount) volumes|unmounted volumes=|unattached volumes=|waiting for a volume to be created|no persistent volumes available|unbound (immediate )?PersistentVolumeClaims|persistentvolumeclaim "[^"]+" (not found|is being deleted)|failed to provision volume|volume node affinity conflict|didn't find available persistent volumes|PreBind plugin "VolumeBinding"|binding volumes: |Waiting for PVC to be bound|PVC (is )?pending|PersistentVolumeClaim is (not bound|pending)|volume .* (is )?(degraded|faulted|detached unexpectedly)|read-only file system|lost connection to the volume|ProvisioningFailed|couldn't (find|attach) (volume|device)|rpc error: code = \w+ desc = .*volume`,
    },
  },
  {
    name: 'storage/alert-name',
    category: 'storage',
    confidence: 0.9,
    match: {
      labels: {
        alertname: String.raw`PersistentVolume|Persistentvolume|PVC|VolumeFull|VolumeOutOf|VolumeFillingUp|VolumeInodes|Longhorn(Volume|Disk)|LonghornNodeStorage|LonghornInstanceManager|Ceph|Rook|CSI|StorageClass`,
      },
    },
  },
  {
    name: 'storage/volume-full',
    category: 'storage',
    confidence: 0.8,
    match: {
      message: String.raw`(PVC|PersistentVolumeClaim|persistent ?volume|volume)\b.{0,120}\b\d+(\.\d+)?\s?% (full|used|usage)|(PVC|PersistentVolumeClaim|persistent ?volume|volume) \S+ is (almost |nearly )?full|no space left on device|(volume|PVC|claim) .*(running|ran|will run) out of (disk )?space`,
    },
    unless: {
      message: String.raw`node filesystem|filesystem on|root filesystem|/var/lib/(kubelet|containerd|docker)`,
    },
  },
  {
    name: 'storage/longhorn-robustness',
    category: 'storage',
    confidence: 0.85,
    match: {
      message: String.raw`Longhorn volume|volume robustness|robustness (is )?(degraded|faulted)|replica(s)? (failed|faulted|rebuilding)`,
    },
  },
  {
    name: 'storage/event-kind',
    category: 'storage',
    confidence: 0.7,
    match: {
      kind: '^(PersistentVolumeClaim|PersistentVolume|VolumeAttachment|StorageClass|Volume|Replica|Engine)$',
    },
  },

  // ── scheduling ─ kube-scheduler plugins, cluster-autoscaler, quota ──
  {
    name: 'scheduling/reason',
    category: 'scheduling',
    confidence: 0.9,
    match: {
      reason:
        '^(FailedScheduling|Unschedulable|NotTriggerScaleUp|FailedPreemption|SchedulerError|Preempted)$',
    },
  },
  {
    name: 'scheduling/scheduled',
    category: 'scheduling',
    confidence: 0.6,
    match: { reason: '^(Scheduled|TriggeredScaleUp)$' },
  },
  {
    name: 'scheduling/message',
    category: 'scheduling',
    confidence: 0.85,
    match: {
      message: String.raw`\d+/\d+ nodes are available|no nodes available to schedule pods|\d+ Insufficient \S+|Insufficient (cpu|memory|ephemeral-storage|pods|nvidia|amd|hugepages|[a-z.]+/[a-z-]+)(?! limits?)\b|had untolerated taint|didn't tolerate|didn't match (Pod's )?node (affinity|selector)|didn't match pod (anti-)?affinity|didn't satisfy existing pods anti-affinity|didn't have free ports|node\(s\) were unschedulable|pod didn't trigger scale-up|Could not schedule pod|no instance type satisfied|incompatible with (provisioner|nodepool)|Too many pods|is unschedulable|cannot be scheduled|could not be scheduled`,
    },
  },
  {
    name: 'scheduling/alert-name',
    category: 'scheduling',
    confidence: 0.8,
    match: {
      labels: {
        alertname: String.raw`^(KubeCPUOvercommit|KubeMemoryOvercommit|KubeCPUQuotaOvercommit|KubeMemoryQuotaOvercommit|KubeQuotaExceeded|KubeQuotaFullyUsed|KubeQuotaAlmostFull)$|Mis-?scheduled|Unschedulable|NotScheduled|PendingPods?$|PodPending`,
      },
    },
  },

  // ── node ─ node lifecycle controller, kubelet, node-problem-detector, node-exporter ──
  {
    name: 'node/reason',
    category: 'node',
    confidence: 0.85,
    match: {
      reason:
        '^(NodeNotReady|KubeletNotReady|NodeNotSchedulable|NodeHasDiskPressure|NodeHasInsufficientMemory|NodeHasInsufficientPID|NodeReady|Rebooted|RegisteredNode|RemovingNode|DeletingNode|TerminatingEvictedPod|NodeShutdown|Shutdown|KernelOops|TaskHung|KernelDeadlock|AUFSUmountHung|DockerHung|ReadonlyFilesystem|FilesystemIsReadOnly|FrequentKubeletRestart|FrequentDockerRestart|FrequentContainerdRestart|ContainerRuntimeUnhealthy|KubeletUnhealthy|CorruptDockerOverlay2|NTPProblem|EvictionThresholdMet|FreeDiskSpaceFailed|ImageGCFailed|ContainerGCFailed|NodeAllocatableEnforced|InvalidDiskCapacity|CIDRNotAvailable|NetworkUnavailable|NodeNetworkUnavailable|MemoryPressure|DiskPressure|PIDPressure)$',
    },
  },
  {
    name: 'node/message',
    category: 'node',
    confidence: 0.85,
    match: {
      message: String.raw`status is now: Node\w+|Kubelet stopped posting node status|Node \S+ (is )?not ready|node (is )?not ready|NodeNotReady|PLEG is not healthy|container runtime (is down|not ready|status check may not have completed)|runtime network not ready|NetworkPluginNotReady|network plugin (is )?not ready|The node was low on resource|The node had condition|node\(s\) had (untolerated )?taint \{node\.kubernetes\.io/(not-ready|unreachable|memory-pressure|disk-pressure|pid-pressure|network-unavailable)|(memory|disk|pid)[ -]?pressure|kubelet (is )?(down|not running|has been down)|clock (skew|is not synchroni[sz]ing|not synchroni[sz]ed)|time (is )?out of sync|\bNTP\b|filesystem (on|at) .* (has only|is predicted to run out)|has only [\d.]+% available space|Kernel oops|\b(Node|Host) (High )?(Disk|CPU|Memory|Load|Filesystem)|(disk|cpu|memory|load|filesystem) (usage|utili[sz]ation) .* on (node|host) |task \S+ blocked for more than|Node (has been )?unreachable|node .* (is )?unreachable|Node \S+ event: Removing Node|Evicting pod|Eviction`,
    },
  },
  {
    name: 'node/alert-name',
    category: 'node',
    confidence: 0.85,
    match: {
      labels: {
        alertname: String.raw`^(KubeNodeNotReady|KubeNodeUnreachable|KubeNodeReadinessFlapping|KubeNodePressure|KubeNodeEviction|KubeletDown|KubeletHealthState|KubeletTooManyPods|KubeletPlegDurationHigh|KubeletPodStartUpLatencyHigh|KubeletVolumeSpaceTooLow|KubeletDiskSpaceTooLow|LonghornNodeDown|LonghornNodeCPUUsageWarning)$|^Node[A-Z]|^KubernetesNode|^KubernetesMemoryPressure|^KubernetesDiskPressure|^KubernetesOutOfCapacity|^Host[A-Z]|ClockSkew|ClockNotSynchron|NodeDown|NodeNotReady|KubeletDown`,
      },
    },
    // node-exporter's clock and filesystem alerts are node problems; its network alerts are not about the node's health as kubemend acts on it.
    unless: {
      labels: {
        alertname:
          '^NodeNetwork(Receive|Transmit)Errs$|^NodeHighNumberConntrackEntriesUsed$|^NodeNetworkInterfaceFlapping$|^NodeTextFileCollectorScrapeError$|^NodeExporter',
      },
    },
  },
  {
    name: 'node/event-kind',
    category: 'node',
    confidence: 0.7,
    match: { kind: '^Node$' },
  },
  {
    name: 'node/evicted',
    category: 'node',
    confidence: 0.85,
    match: { reason: '^(Evicted|TaintManagerEviction|NodeNotReady)$' },
    // A pod that outgrew its own ephemeral-storage limit is evicted for itself, not for the node.
    unless: {
      message: String.raw`ephemeral (local )?storage usage exceeds|exceeded its local ephemeral storage limit|EmptyDir volume`,
    },
  },
  {
    name: 'node/sandbox-network',
    category: 'node',
    confidence: 0.8,
    match: {
      message: String.raw`failed to (setup|set up|create) (pod )?(network|sandbox)|plugin type="[\w-]+" failed|network plugin|cni (plugin )?(not initialized|failed)|failed to assign an IP|FailedCreatePodSandBox`,
    },
  },

  // ── probe ─ kubelet prober ──
  {
    name: 'probe/unhealthy',
    category: 'probe',
    confidence: 0.85,
    match: { reason: '^(Unhealthy|ProbeWarning)$' },
  },
  {
    name: 'probe/message',
    category: 'probe',
    confidence: 0.9,
    match: {
      message: String.raw`(Liveness|Readiness|Startup) probe (failed|errored)|failed (liveness|readiness|startup) probe|probe failed: (HTTP probe failed|Get|dial tcp|command|OCI runtime exec|rpc error|timeout)|HTTP probe failed with statuscode`,
    },
  },

  // ── certificate ─ cert-manager (mixin, Certificate conditions, events), kubelet and client certs ──
  {
    name: 'certificate/alert-name',
    category: 'certificate',
    confidence: 0.9,
    match: {
      labels: {
        alertname: String.raw`Cert(ificate)?Manager|Certificate(Expir|NotReady|Renewal)|CertExpir|SSLCert|TLSCert|X509|ClientCertificateExpiration|ServerCertificateExpiration|CertificateRenewalErrors|BlackboxSslCertificate|CertificateRequest`,
      },
    },
  },
  {
    name: 'certificate/message',
    category: 'certificate',
    confidence: 0.85,
    match: {
      message: String.raw`certificate (has )?expired|certificate (is )?(expiring|about to expire|will expire)|certificate\b.*\bexpire[sd]? (in|within|soon|on)|CERTIFICATE_EXPIRATION|certificate expiration|TLS certificate for|(cert|certificate) .* (is )?not ready|x509: certificate has expired or is not yet valid|Issuing certificate as Secret|failed to (issue|renew|create|sign) (the )?(cert|certificate|order)|certificate (issuance|renewal) (failed|error)|ACME (account|challenge|order|server)|acme: |urn:ietf:params:acme|presenting challenge|cleaning up challenge|Failed to (finalize|create|wait for) (Order|challenge)|rateLimited.*certificate|certificate request (has )?failed|issuer .* not ready|client certificate .* (expir|renew)`,
    },
    // An image pull that fails on TLS is the registry's problem (image-pull/registry-tls).
    unless: {
      message: String.raw`Failed to pull|pulling image|pull and unpack|ErrImagePull|ImagePullBackOff`,
    },
  },
  {
    name: 'certificate/event-kind',
    category: 'certificate',
    confidence: 0.8,
    match: { kind: '^(Certificate|CertificateRequest|Order|Challenge|Issuer|ClusterIssuer)$' },
  },

  // ── workload ─ kubernetes-mixin apps alerts, controllers, kubelet config errors ──
  {
    name: 'workload/missing-config',
    category: 'workload',
    confidence: 0.9,
    match: { message: MISSING_CONFIG },
  },
  {
    name: 'workload/alert-name',
    category: 'workload',
    confidence: 0.8,
    match: {
      labels: {
        alertname: String.raw`^(KubeDeploymentReplicasMismatch|KubeDeploymentRolloutStuck|KubeDeploymentGenerationMismatch|KubeStatefulSetReplicasMismatch|KubeStatefulSetGenerationMismatch|KubeStatefulSetUpdateNotRolledOut|KubeDaemonSetRolloutStuck|KubeDaemonSetNotScheduled|KubeJobFailed|KubeJobNotCompleted|KubeJobCompletion|KubeHpaReplicasMismatch|KubeHpaMaxedOut|KubePodNotReady|KubeContainerWaiting|CPUThrottlingHigh|KubePdbNotEnoughHealthyPods)$|^Kubernetes(Deployment|Statefulset|StatefulSet|Daemonset|DaemonSet|Replicaset|ReplicaSet|Job|Cronjob|CronJob|Hpa|Pod)\w*|ReplicasMismatch|RolloutStuck|JobFailed`,
      },
    },
  },
  {
    name: 'workload/reason',
    category: 'workload',
    confidence: 0.8,
    match: {
      reason:
        '^(FailedCreate|ProgressDeadlineExceeded|BackoffLimitExceeded|DeadlineExceeded|CreateContainerConfigError|CreateContainerError|FailedKillPod|FailedPostStartHook|FailedPreStopHook|FailedCreatePodContainer|FailedSync|CalculateExpectedPodCountFailed|FailedDaemonPod|InvalidSelector|SuspendedJob|UnexpectedJob|MissingJob|FailedNeedsStart|JobAlreadyActive|TooManyMissedTimes|PodFailurePolicy|MaxFailedIndexesExceeded)$',
    },
  },
  {
    name: 'workload/message',
    category: 'workload',
    confidence: 0.85,
    match: {
      message: String.raw`has reached the specified backoff limit|BackoffLimitExceeded|was active longer than specified deadline|forbidden: exceeded quota|exceeded quota: |has not completed its last execution|Job failed|job .* (has )?failed|failed to complete|did not complete|Error creating: |violates PodSecurity|runAsNonRoot and image will run as root`,
    },
  },
  // A rollout that does not progress says where the trouble shows, not why: a weaker hint,
  // so a cause found beside it (or Argo CD's own report) ranks first.
  {
    name: 'workload/rollout-progress',
    category: 'workload',
    confidence: 0.65,
    match: {
      message: String.raw`exceeded its progress deadline|ProgressDeadlineExceeded|timed out progressing|Waiting for (deployment |daemon set \S+ )?(rollout|spec update) to finish|Waiting for \d+ pods to be ready|RolloutAborted|Rollout aborted|has not matched the expected number of replicas|rollout .* (is )?(stuck|not progressing|not progressed|has not progressed)|has not finished|has been in a non-ready state|in a non-running state|in waiting state|generation .* (does not match|mismatch)|not been rolled out|running at max replicas|maxed out|throttling of CPU|replicas? (mismatch|unavailable)|unavailable replicas|replica'?s? pods are (down|not ready)|pods are (down|not ready) in (Deployment|StatefulSet|DaemonSet)|(Deployment|StatefulSet|DaemonSet) replicas`,
    },
  },
  // A Flux health check that timed out: the workloads it waited for never became ready,
  // which says where the trouble shows (the rules above say why, when the message does).
  {
    name: 'workload/health-check',
    category: 'workload',
    confidence: 0.75,
    match: {
      message: String.raw`health check failed|timeout waiting for: \[|timed out waiting for (the condition|.* to become ready)|HealthCheckFailed`,
    },
  },
  {
    name: 'workload/resource-kind',
    category: 'workload',
    confidence: 0.55,
    // A cron monitor's report on a Job; other kinds say where, not what.
    match: { source: '^generic$', kind: '^(Job|CronJob)$' },
  },

  // ── unknown ─ alerts that say nothing a playbook can act on ──
  {
    name: 'unknown/meta-alerts',
    category: 'unknown',
    confidence: 0.9,
    match: {
      labels: {
        alertname: '^(Watchdog|InfoInhibitor|DeadMansSwitch|DeadMansSnitch|AlwaysFiring)$',
      },
    },
  },
  {
    name: 'unknown/control-plane-and-scrape',
    category: 'unknown',
    confidence: 0.7,
    match: {
      labels: {
        alertname: String.raw`^(TargetDown|KubeAPIDown|KubeAPIErrorBudgetBurn|KubeAPITerminatedRequests|KubeVersionMismatch|KubeClientErrors|KubeAggregatedAPIErrors|KubeAggregatedAPIDown|KubeControllerManagerDown|KubeSchedulerDown|KubeProxyDown|KubeStateMetrics\w*|Prometheus\w*|Alertmanager\w*|ConfigReloaderSidecarErrors|etcd\w*|CoreDNS\w*|NodeNetworkReceiveErrs|NodeNetworkTransmitErrs|NodeHighNumberConntrackEntriesUsed|NodeNetworkInterfaceFlapping|NodeTextFileCollectorScrapeError|ClusterOperatorDown|ClusterOperatorDegraded|ClusterVersionOperatorDown)$`,
      },
    },
  },
  // ── the sweep's scan ─ an analyzer states its category (src/scan/analyzers.ts); its
  // evidence, the cluster's own words, is read by the rules above as well ──
  ...PLAYBOOKS.filter((category) => category !== 'unknown').map((category): RuleSpec => ({
    name: `scan/${category}`,
    category,
    confidence: 0.9,
    match: { source: '^scan$', labels: { category: `^${category}$` } },
  })),
];
