// The config's one source: the JSON Schema of `.github/kubemend.yml`, built with TypeBox
// so the same object is the schema the validator reads (validate.ts), the static type of
// a parsed document (ConfigDocument), and, written out by `npm run schema:config`,
// schema/kubemend.schema.json for editors. Only the keywords validate.ts implements
// appear here: enums and maps are spelt as plain JSON Schema (TypeBox would write them
// as anyOf and patternProperties).
import {
  Array as List,
  Boolean as Flag,
  Integer as Whole,
  Number as Decimal,
  Object as Mapping,
  Optional,
  String as Text,
  Unsafe,
  type SchemaOptions,
  type Static,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox';
import { GROUP_BY_FIELDS } from '../alerts/identity.js';
import { SEVERITIES } from '../alerts/model.js';
import { ANALYZER_NAMES, type AnalyzerName } from '../scan/settings.js';
import { TEAMS_MENTION_NAME } from '../notify/mentions.js';
import {
  CHANNEL_TYPES,
  QUIET_EXCEPT_STATES,
  ROUTE_SEVERITIES,
  SECRET_NAME,
} from '../notify/settings.js';
import { EXPLAIN_PROVIDERS, PLAYBOOKS, PLAYBOOK_MODES } from '../shared/constants.js';

const DEFS: Record<string, TSchema> = {};

/** Registers a named type under $defs; each use is a $ref, with its own description if given. */
function def<T extends TSchema>(
  name: string,
  schema: T,
): (options?: SchemaOptions) => TUnsafe<Static<T>> {
  DEFS[name] = schema;
  return (options = {}) => Unsafe<Static<T>>({ ...options, $ref: `#/$defs/${name}` });
}

export const oneOf = <const V extends readonly string[]>(values: V, options: SchemaOptions = {}) =>
  Unsafe<V[number]>({ ...options, enum: [...values] });

/** A mapping whose names match `names` and whose values are `value`. */
export const mapOf = <T extends TSchema>(names: string, value: T, options: SchemaOptions = {}) =>
  Unsafe<Record<string, Static<T>>>({
    ...options,
    type: 'object',
    propertyNames: { pattern: names },
    additionalProperties: value,
  });

/** A mapping of the named keys, every one optional, and no others. */
const section = <P extends TProperties>(description: string, properties: P) =>
  closed(properties, { description });

function closed<P extends TProperties>(properties: P, options: SchemaOptions = {}) {
  const optional = Object.fromEntries(
    Object.entries(properties).map(([key, value]) => [key, Optional(value)]),
  ) as { [K in keyof P]: TOptional<P[K]> };
  return Mapping(optional, { ...options, additionalProperties: false });
}

const duration = def(
  'duration',
  Text({
    description:
      'A duration: a whole number of seconds, minutes or hours, such as 90s, 10m or 2h (at most 24h).',
    pattern: '^\\d{1,5}(s|m|h)$',
  }),
);
const label = def(
  'label',
  Text({
    description: 'A GitHub label name: 1 to 50 printable characters.',
    minLength: 1,
    maxLength: 50,
    pattern: '^\\P{Cc}*[^\\s\\p{Cc}]\\P{Cc}*$',
  }),
);
const category = def('category', oneOf(PLAYBOOKS, { description: 'A triage category.' }));
const modeDescription =
  'off, notify (report only), dry-run, propose (commit the change for review), approve (after /kubemend approve), auto.';
const mode = def('mode', oneOf(PLAYBOOK_MODES, { description: modeDescription }));
const playbook = def(
  'playbook',
  closed({ mode: mode() }, { description: 'A playbook with no options besides its mode.' }),
);
const regex = def(
  'regex',
  Text({
    description:
      'A regular expression in RE2 syntax (no lookaround or backreferences), matched case-insensitively anywhere in the text (anchor with ^ and $).',
    minLength: 1,
    maxLength: 2000,
  }),
);
const regexMap = def(
  'regexMap',
  mapOf('^[A-Za-z_][A-Za-z0-9_./-]{0,252}$', regex(), {
    description: 'Label or annotation names, each with a regular expression its value must match.',
    maxProperties: 20,
  }),
);

export const MATCHER = closed(
  {
    source: regex({
      description: 'Where the alert came from: alertmanager, argocd, event, generic, flux or scan.',
    }),
    kind: regex({ description: "A Kubernetes or Flux event's involved object kind." }),
    labels: regexMap(),
    annotations: regexMap(),
    reason: regex({
      description: "An event's reason, a container's waiting or terminated reason, a reason label.",
    }),
    message: regex({
      description:
        "An event's message, an alert's summary or description, an Argo CD or container status message.",
    }),
    status: regex({ description: "Argo CD health and sync statuses, a pod's phase." }),
    'exit-code': regex({ description: "A container's exit code." }),
  },
  {
    description: 'Conditions that must all hold; each names the facts of an alert it reads.',
    minProperties: 1,
  },
);
const matcher = def('matcher', MATCHER);

const rule = def(
  'rule',
  Mapping(
    {
      name: Text({
        description: "Names the rule in evidence; a built-in rule's name replaces that rule.",
        pattern: '^[a-z0-9][a-z0-9./-]{0,79}$',
      }),
      match: matcher(),
      unless: Optional(matcher()),
      category: category(),
      playbook: Optional(
        category({ description: "The playbook to run. Default: the category's own." }),
      ),
      severity: Optional(
        oneOf(SEVERITIES, {
          description: 'Overrides the severity of the alerts the rule matches.',
        }),
      ),
      confidence: Optional(
        Decimal({ description: '0 to 1. Default: 0.9.', minimum: 0, maximum: 1 }),
      ),
      enabled: Optional(
        Flag({
          description:
            'false turns the rule (or the built-in rule of that name) off. Default: true.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

const clusterIdentity = def(
  'clusterIdentity',
  closed(
    {
      server: Text({
        description: 'The API server URL, as the kubeconfig names it.',
        pattern: '^https?://[^\\s]+$',
      }),
      'ca-sha256': Text({
        description:
          "SHA-256 fingerprint of the cluster's CA certificate: 64 hex digits, colons and a sha256: prefix allowed.",
        pattern: '^(sha256:)?[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2}){31}$',
      }),
      'kube-system-uid': Text({
        description:
          "metadata.uid of the kube-system namespace (kubectl get ns kube-system -o jsonpath='{.metadata.uid}').",
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      }),
    },
    { minProperties: 2 },
  ),
);
const memory = def(
  'memory',
  Text({
    description: 'A Kubernetes memory quantity such as 512Mi, 2Gi or 1G.',
    pattern: '^\\d{1,6}(\\.\\d{1,3})?(Ki|Mi|Gi|Ti|k|M|G|T)?$',
  }),
);
const percent = def(
  'percent',
  Text({ description: 'A share in percent, such as 51%.', pattern: '^(100|[1-9]?\\d)%$' }),
);
const namespace = def(
  'namespace',
  Text({
    description: 'A Kubernetes namespace name (DNS-1123 label).',
    pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  }),
);

const playbookWith = <P extends TProperties>(name: string, description: string, options: P) =>
  def(name, section(description, { mode: mode(), ...options }));

const imagePullPlaybook = playbookWith(
  'imagePullPlaybook',
  'image-pull: delete stuck pods a controller owns; propose rewriting images to a mirror.',
  {
    mirrors: mapOf(
      '^[a-z0-9]([a-z0-9.-]{0,252}[a-z0-9])?(:\\d{1,5})?$',
      Text({
        pattern: '^[a-z0-9]([a-z0-9.-]{0,252}[a-z0-9])?(:\\d{1,5})?(/[a-z0-9._-]+)*$',
      }),
      {
        description:
          'Registry → the mirror (a pull-through cache) proposals rewrite its images to, such as docker.io: registry.homelab.internal:5000. Default: none.',
        maxProperties: 20,
      },
    ),
  },
);
const nodePlaybook = playbookWith(
  'nodePlaybook',
  'node: cordon a worker; optionally drain it, and uncordon it after recovery.',
  {
    drain: Flag({
      description:
        "Evict the node's pods after the cordon, honouring PodDisruptionBudgets. Default: false.",
    }),
    uncordon: Flag({
      description:
        'Uncordon the node once the conditions that failed (MemoryPressure, NotReady, ...) are healthy again, only when kubemend cordoned it. Default: false.',
    }),
  },
);
const crashLoopPlaybook = playbookWith(
  'crashLoopPlaybook',
  'crash-loop: rollout restart; optionally roll back a crash that began with the latest rollout.',
  {
    rollback: Flag({
      description:
        "Roll back to the previous ReplicaSet's template when the crash began with the latest rollout. Default: false.",
    }),
  },
);
const argocdPlaybook = playbookWith(
  'argocdPlaybook',
  "argocd: hard refresh and sync through the Application's .operation.",
  {
    namespace: namespace({ description: 'Namespace of the Application objects. Default: argocd.' }),
    prune: Flag({
      description: 'Let the sync delete resources no longer in Git. Default: false.',
    }),
  },
);
const fluxPlaybook = playbookWith(
  'fluxPlaybook',
  'flux: ask Flux to reconcile the Kustomization or HelmRelease again (the reconcile.fluxcd.io/requestedAt annotation, as flux reconcile sets it).',
  {},
);
const oomPlaybook = playbookWith(
  'oomPlaybook',
  'oom: raise the memory limit and request. Mode default: propose (a live change to desired state is reverted by a GitOps controller).',
  {
    increase: Text({
      description: 'How much to raise the limit and request by. Default: 25%.',
      pattern: '^([1-9]\\d?|[1-3]\\d\\d|400)%$',
    }),
    'max-memory': memory({ description: 'The limit is never raised past this. Default: 8Gi.' }),
  },
);
const storagePlaybook = playbookWith(
  'storagePlaybook',
  'storage: delete stuck Longhorn helper pods, restart longhorn-manager.',
  {
    'longhorn-namespace': namespace({
      description: 'Namespace of Longhorn. Default: longhorn-system.',
    }),
    'restart-manager': Flag({
      description:
        'Restart longhorn-manager (rollout-restart annotation) when helper pods stay stuck. Default: true.',
    }),
    'remove-pvc-finalizers': Flag({
      description:
        'Remove the finalizers of a PVC stuck terminating whose pods are gone. Default: false.',
    }),
  },
);

const secretName = (description: string) =>
  Text({
    description: `${description} A secret's name (A-Z, 0-9, _), never its value.`,
    pattern: SECRET_NAME,
  });
const count = (description: string, minimum: number, maximum: number) =>
  Whole({ description, minimum, maximum });

const SECTIONS = {
  intake: section('How alerts become incidents.', {
    'group-by': List(oneOf(GROUP_BY_FIELDS), {
      description:
        'Fields whose values make the incident key; must include cluster. Default: [cluster, title].',
      minItems: 1,
      uniqueItems: true,
      contains: Unsafe({ const: 'cluster' }),
    }),
    'stable-window': duration({
      description:
        'How long an alert must stay resolved before its incident is resolved. Default: 10m.',
    }),
    'refresh-interval': duration({
      description:
        "Longest time an incident's body may show stale counts while repeats come in. Default: 10m.",
    }),
    'rate-limit-reserve': count(
      'Below this many remaining API requests, pure repeats are read but not written. Default: 100.',
      0,
      100000,
    ),
    'rate-limit-wait': duration({
      description:
        'How long a run waits for the rate limit to reset rather than drop an alert. Default: 15m.',
    }),
    'max-incidents': count(
      'Distinct incidents one payload may open; beyond it, one storm incident per cluster. Default: 10.',
      1,
      100,
    ),
    labels: List(label(), {
      description: "Labels added to every incident besides kubemend's own. Default: none.",
      maxItems: 20,
    }),
  }),
  triage: section('How incidents are sorted into categories and playbooks.', {
    'min-confidence': Decimal({
      description: 'Categories below this confidence get no remediation job. Default: 0.5.',
      minimum: 0,
      maximum: 1,
    }),
    'builtin-rules': Flag({
      description: "Whether kubemend's built-in rules apply alongside yours. Default: true.",
    }),
    rules: List(rule(), {
      description:
        'Your rules, merged with the built-in ones; a rule named like a built-in one replaces it.',
      maxItems: 500,
    }),
  }),
  playbooks: section(
    'Per playbook: its mode and options. Default mode: dry-run for every playbook but oom, which proposes.',
    {
      'image-pull': imagePullPlaybook(),
      'crash-loop': crashLoopPlaybook(),
      oom: oomPlaybook(),
      argocd: argocdPlaybook(),
      flux: fluxPlaybook(),
      storage: storagePlaybook(),
      scheduling: playbook(),
      node: nodePlaybook(),
      probe: playbook(),
      certificate: playbook(),
      workload: playbook(),
      unknown: playbook(),
    },
  ),
  guardrails: section(
    'Checked before every change to the cluster; each refusal is reported with its reason.',
    {
      'opt-in-label': Text({
        description:
          'Label (value "true") that opts a workload or its namespace in. Default: kubemend.io/remediate.',
        pattern:
          '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
      }),
      'protected-namespaces': List(namespace(), {
        description:
          'Namespaces kubemend never changes. Default: kube-system, kube-public, kube-node-lease.',
        maxItems: 100,
        uniqueItems: true,
      }),
      'min-healthy-nodes': percent({
        description: 'Share of nodes that must stay schedulable after a cordon. Default: 51%.',
      }),
      'max-targets': count('Most workloads or nodes one job acts on. Default: 10.', 1, 1000),
      'rate-limit': count(
        'Actions in any hour, all playbooks and parallel jobs together. Default: 20.',
        0,
        10000,
      ),
      'playbook-rate-limit': count('Actions of one playbook in any hour. Default: 10.', 0, 10000),
      cooldown: duration({
        description: 'No second action on the same target within this long. Default: 15m.',
      }),
      'storm-incidents': count(
        'This many distinct incidents acted on within storm-window stop all automation. Default: 5.',
        1,
        1000,
      ),
      'storm-window': duration({ description: 'Default: 10m.' }),
      'recurrence-limit': count(
        'Actions on one target within recurrence-window after which kubemend stops automating it (fixed, recurred, fixed, recurred). Default: 2.',
        1,
        100,
      ),
      'recurrence-window': duration({ description: 'Default: 24h.' }),
      'ledger-namespace': namespace({
        description:
          'Namespace of the ledger ConfigMap shared by parallel jobs. Default: kubemend.',
      }),
      concurrency: count(
        'Most requests in flight at once when acting on many objects. Default: 8.',
        1,
        64,
      ),
      'verify-timeout': duration({
        description: 'How long verification waits for the cluster to show the fix. Default: 5m.',
      }),
      'verify-interval': duration({
        description: 'Time between verification checks. Default: 15s.',
      }),
    },
  ),
  gitops: section('Where proposals find your manifests.', {
    paths: List(
      Text({
        minLength: 1,
        maxLength: 200,
        pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/-]+$',
      }),
      {
        description:
          'Folders (or files) of the repository searched for the manifest to change. Default: the whole repository.',
        minItems: 1,
        maxItems: 50,
      },
    ),
  }),
  diagnose: section('What the cluster doctor may read.', {
    namespaces: List(namespace(), {
      description:
        "The namespaces the cluster doctor may read, and no others. Default: the namespaces opted in to remediation (the opt-in label) and the incident's own, never kube-system, kube-public, kube-node-lease, kubemend's own (guardrails.ledger-namespace) or a protected namespace. A namespace of those is read only when named here.",
      maxItems: 200,
      uniqueItems: true,
    }),
    explain: oneOf(EXPLAIN_PROVIDERS, {
      description:
        'off, or github-models: GitHub Models explains the top causes in plain words from the redacted evidence, below the diagnosis, marked as generated; it never changes the ranking or the fix. Needs `models: read` in the workflow. Default: off.',
    }),
    'explain-model': Text({
      description:
        'A GitHub Models model ID, publisher/name, such as openai/gpt-4.1-mini. Default: openai/gpt-4.1-mini.',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,49}/[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$',
    }),
    'explain-timeout': Text({
      description:
        'A number of seconds from 1s to 120s: how long the doctor waits for the explanation before posting without it. Default: 20s.',
      pattern: '^(?:[1-9]|[1-9][0-9]|1[01][0-9]|120)s$',
    }),
  }),
  commands: section(
    'Who may run /kubemend slash commands besides people with write, maintain or admin permission.',
    {
      users: List(Text({ pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$' }), {
        description: 'GitHub logins allowed to run slash commands.',
        maxItems: 100,
      }),
      teams: List(Text({ pattern: '^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[a-z0-9][a-z0-9_-]{0,99}$' }), {
        description:
          "Teams allowed to run slash commands, as org/team-slug. Reading team membership needs a token that may read the organisation's members (the default GITHUB_TOKEN cannot): pass one as github-token.",
        maxItems: 50,
      }),
    },
  ),
  report: section('How report ends an incident the cluster shows fixed.', {
    merge: oneOf(['squash', 'merge', 'rebase', 'off'] as const, {
      description:
        'How an incident pull request is merged once every playbook verified it resolved: squash, merge, rebase, or off (never merge). Default: squash.',
    }),
    'close-issues': Flag({
      description:
        'Close an incident issue once every playbook verified it resolved. Default: true.',
    }),
  }),
  sweep: section('What the scheduled sweep does with open incidents.', {
    'stale-after': duration({
      description:
        'An incident with no alert for this long whose targets look healthy is closed as stale (not planned); a firing alert repeats well within it (Alertmanager every repeat_interval, 4h by default). Default: 24h.',
    }),
  }),
  scan: section(
    "What the sweep's scan looks for in its cluster: each finding becomes an alert for intake (one incident per problem, the same triage), and a scan-started incident whose findings are gone is resolved at the source. `kubemend scan` runs the same analyzers from a laptop.",
    {
      enabled: Flag({
        description:
          'The sweep scans its cluster and feeds what it finds to intake. Default: true.',
      }),
      analyzers: Unsafe<Partial<Record<AnalyzerName, boolean>>>({
        type: 'object',
        description:
          'Analyzers switched on (true) or off (false) by name; unnamed ones stay on. Default: every analyzer on.',
        propertyNames: { enum: [...ANALYZER_NAMES] },
        additionalProperties: { type: 'boolean' },
      }),
      namespaces: List(namespace(), {
        description:
          'Only these namespaces (cluster-scoped kinds such as nodes are then not scanned). Default: every namespace and the nodes.',
        maxItems: 200,
        uniqueItems: true,
      }),
      'severity-floor': oneOf(SEVERITIES, {
        description:
          'Findings below this severity open no incident (`kubemend scan` still lists them). Default: warning.',
      }),
      'repeat-interval': duration({
        description:
          'A finding still present is fed to intake again (another pipeline run: triage, remediation under its guardrails, report) at most this often, like Alertmanager repeat_interval. Default: 1h.',
      }),
      ignore: List(
        closed(
          {
            namespace: namespace(),
            selector: Text({
              description:
                'A label selector on the object the analyzer looked at (a pod for a workload found by its pods): `app=web`, `tier!=db`, `env in (dev,test)`, `!canary`.',
              minLength: 1,
              maxLength: 500,
            }),
            name: Text({
              description: "The target's name; `*` matches any run of characters.",
              pattern: '^[a-z0-9*][a-z0-9.*-]{0,252}$',
            }),
            analyzer: oneOf(ANALYZER_NAMES),
            kind: Text({
              description: "The target's kind: Deployment, Node, PersistentVolumeClaim…",
              pattern: '^[A-Z][A-Za-z0-9]{0,62}$',
            }),
          },
          {
            description:
              'Findings matching every field given are ignored; a rule needs at least one field.',
            minProperties: 1,
          },
        ),
        { description: 'Findings never fed to intake. Default: none.', maxItems: 100 },
      ),
      thresholds: closed(
        {
          restarts: count(
            'Restarts within restart-window after which a running container restarts too often. Default: 3.',
            1,
            1000,
          ),
          'restart-window': duration({ description: 'Default: 15m.' }),
          'stuck-terminating': duration({
            description: 'A pod terminating this long past its grace period is stuck. Default: 5m.',
          }),
          'node-cordoned': duration({
            description:
              'A node cordoned longer than this is reported (a shorter cordon is a drain in progress). Default: 1h.',
          }),
          'clock-skew': duration({
            description: "A node clock this far from the API server's. Default: 30s.",
          }),
          'out-of-sync': duration({
            description: 'An Argo CD Application OutOfSync longer than this. Default: 30m.',
          }),
          'certificate-expiry-days': count(
            'A certificate expiring within this many days. Default: 14.',
            1,
            365,
          ),
          'cronjob-late': duration({
            description: 'A CronJob this late for a scheduled run has missed it. Default: 15m.',
          }),
        },
        { description: 'Where a finding begins.' },
      ),
    },
  ),
  relay: section(
    "How `kubemend relay` groups alerts before each costs a workflow run (the relay reads this file with --config). A problem's first alert and each change of status or severity go out at once; its repeats are counted and ride on its next dispatch.",
    {
      window: duration({
        description:
          'The grouping window: a problem quiet this long sends the repeats it held back and is forgotten; the storm breaker counts distinct problems per window. Default: 5m.',
      }),
      refresh: duration({
        description:
          'A problem that keeps firing with no change is dispatched again, with its count, at most this often (each dispatch is a workflow run). Default: 1h.',
      }),
      'storm-keys': count(
        'More distinct problems than this on one cluster within a window become one storm dispatch until a window passes below it. Default: 50.',
        2,
        10_000,
      ),
      'queue-capacity': count(
        'Dispatches waiting for GitHub at most; past it the relay answers 503 and Alertmanager retries. Default: 10000.',
        10,
        1_000_000,
      ),
      'dispatches-per-minute': count(
        'repository_dispatch calls per minute to the repository at most. Default: 60.',
        1,
        600,
      ),
      events: closed(
        {
          enabled: Flag({
            description:
              "Watch the cluster's Warning events (the relay's kubeconfig: $KUBECONFIG or its pod's ServiceAccount; needs --cluster) and relay them as alerts. Default: false.",
          }),
          'namespace-selector': Text({
            description:
              'A label selector on namespaces: only namespaces it matches are watched, so nothing is until a namespace opts in. Default: kubemend.io/watch=true.',
            minLength: 1,
            maxLength: 500,
          }),
          reasons: List(Text({ pattern: '^(\\*|[A-Za-z][A-Za-z0-9]{0,127})$' }), {
            description:
              'Event reasons relayed (`*`: every Warning). Default: the kubelet and controller reasons that mean a problem (BackOff, Failed, FailedScheduling, FailedMount, Unhealthy, OOMKilling, Evicted, FailedCreate...).',
            minItems: 1,
            maxItems: 100,
            uniqueItems: true,
          }),
          kinds: List(Text({ pattern: '^[A-Z][A-Za-z0-9]{0,62}$' }), {
            description:
              'Kinds of involved object relayed. Default: Pod, Node, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, PersistentVolumeClaim, HorizontalPodAutoscaler.',
            minItems: 1,
            maxItems: 50,
            uniqueItems: true,
          }),
          'cluster-scoped': Flag({
            description:
              'Also events about Nodes and other cluster-scoped objects (recorded in the default namespace, which no selector opts in). Default: false.',
          }),
          enrich: Flag({
            description:
              "A pod's event carries its container states, last termination and a redacted tail of its log (each pod read at most once per window). Default: true.",
          }),
        },
        { description: 'The opt-in Kubernetes event watcher.' },
      ),
    },
  ),
  notifications: section(
    "Where report tells people about an incident's changes of state: Slack, Discord, Microsoft Teams or a signed JSON webhook. The file names secrets, never their values: the workflow hands the values to report in its `notify-secrets` input (docs/notifications.md). A channel that fails never fails the incident; the status comment says so.",
    {
      channels: List(
        Mapping(
          {
            name: Text({
              description: 'Names the channel in routes and in the status comment.',
              pattern: '^[a-z0-9][a-z0-9._-]{0,62}$',
            }),
            type: oneOf(CHANNEL_TYPES, {
              description:
                'slack (a bot token: one message per incident, updated in place, state changes as thread replies), slack-webhook (an incoming webhook: a new message each time), discord (a webhook: one message, edited in place), teams (a Workflows webhook: an Adaptive Card), webhook (JSON, HMAC-SHA256 signed).',
            }),
            'token-secret': Optional(
              secretName('The secret holding the Slack bot token (xoxb-…); type slack.'),
            ),
            'url-secret': Optional(
              secretName('The secret holding the webhook URL; every type but slack.'),
            ),
            'signing-secret': Optional(
              secretName('The secret holding the HMAC-SHA256 signing key; type webhook.'),
            ),
            channel: Optional(
              Text({
                description: 'The Slack channel id (C…) or name the bot is in; type slack.',
                pattern: '^#?[A-Za-z0-9._-]{1,80}$',
              }),
            ),
            mention: Optional(
              Text({
                description:
                  "Who is mentioned, only when the incident needs a person (needs-human): for slack types a user (U…, W…) or user-group (S…) id; for discord `user:<id>` or `role:<id>`; for teams a user's Microsoft Entra object id or user principal name (with mention-name). Payload text never mentions anyone.",
                pattern: "^[A-Za-z0-9:@._%+'-]{3,200}$",
              }),
            ),
            'mention-name': Optional(
              Text({
                description:
                  "The name a Teams mention shows (`<at>name</at>`): letters, digits, spaces, . ' and -; type teams, with mention.",
                pattern: TEAMS_MENTION_NAME.pattern.source,
              }),
            ),
          },
          { additionalProperties: false, description: 'One channel.' },
        ),
        { description: 'The channels. Default: none.', maxItems: 20 },
      ),
      routes: List(
        Mapping(
          {
            severities: Optional(
              List(oneOf(ROUTE_SEVERITIES), {
                description: "The incident's severity is one of these. Default: any.",
                minItems: 1,
                uniqueItems: true,
              }),
            ),
            clusters: Optional(
              List(
                Text({
                  description: 'A cluster name; `*` matches any run of characters, `?` one.',
                  pattern: '^[A-Za-z0-9*?][A-Za-z0-9._*?-]{0,62}$',
                }),
                {
                  description: "The incident's cluster matches one of these. Default: any.",
                  minItems: 1,
                  maxItems: 50,
                },
              ),
            ),
            categories: Optional(
              List(category(), {
                description: "The incident's category is one of these. Default: any.",
                minItems: 1,
                uniqueItems: true,
              }),
            ),
            channels: List(Text({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' }), {
              description:
                'The channels (by name) a matching notice goes to; empty: none (a route that silences).',
              maxItems: 20,
              uniqueItems: true,
            }),
          },
          {
            description: 'Conditions that must all hold, and where the notice goes.',
            additionalProperties: false,
          },
        ),
        {
          description:
            'The first route that matches picks the channels; a notice no route matches goes nowhere. Default: no routes (every channel gets every notice).',
          maxItems: 50,
        },
      ),
      'quiet-hours': Mapping(
        {
          from: Text({ description: 'Start, HH:MM local time.', pattern: '^\\d{2}:\\d{2}$' }),
          to: Text({
            description: 'End, HH:MM local time (not included); before from spans midnight.',
            pattern: '^\\d{2}:\\d{2}$',
          }),
          timezone: Optional(
            Text({
              description: 'An IANA time zone such as Europe/Berlin. Default: UTC.',
              minLength: 1,
              maxLength: 64,
            }),
          ),
          except: Optional(
            List(oneOf(QUIET_EXCEPT_STATES), {
              description: 'States that still notify within quiet hours. Default: [needs-human].',
              uniqueItems: true,
            }),
          ),
        },
        {
          description:
            "Within these hours only the excepted states notify; the others are deferred: the first report or sweep after them sends one notice with the state then. The time is GitHub's (its Date header), not the runner's.",
          additionalProperties: false,
        },
      ),
    },
  ),
  clusters: mapOf('^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', clusterIdentity(), {
    description:
      'The clusters kubemend may change, by the name alerts give them, each with the identity it must show: at least two of server, ca-sha256 and kube-system-uid must match before any mutation.',
    maxProperties: 50,
  }),
};

export const CONFIG_SCHEMA: TObject = closed(SECTIONS, {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/kubemend/kubemend/blob/main/schema/kubemend.schema.json',
  title: 'kubemend config (.github/kubemend.yml)',
  description:
    'Every section is optional; a missing or empty file means safe defaults (every playbook in dry-run).',
  $defs: DEFS,
});

/** A parsed config document that the schema accepts, keys as the user writes them. */
export type ConfigDocument = Static<ReturnType<typeof closed<typeof SECTIONS>>>;
export type Matcher = Static<typeof MATCHER>;
export type RuleDocument = Static<ReturnType<typeof rule>>;
export type MergeMethod = NonNullable<NonNullable<ConfigDocument['report']>['merge']>;

// Keywords in the order a reader wants them: what the value is first, its parts last.
const FIRST = ['$schema', '$id', 'title', 'description', '$ref', 'type', 'enum', 'const'];
const LAST = ['properties', '$defs'];

/** The schema as JSON text (before Prettier lays it out), keywords in reading order. */
export function configSchemaJson(): string {
  const rank = (key: string): number =>
    FIRST.includes(key) ? FIRST.indexOf(key) - FIRST.length : LAST.indexOf(key) + 1;
  return JSON.stringify(CONFIG_SCHEMA, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => rank(a) - rank(b)))
      : value,
  );
}
