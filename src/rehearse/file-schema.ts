// The rehearsal file's one source (`kubemend rehearse FILE`): a JSON Schema built with
// TypeBox, read by the same validator as the config (config/validate.ts), so a mistake
// is one line naming the key and what is allowed. What the schema cannot say (exactly
// one action per step, files that exist, users the story declares) file.ts checks.
import {
  Array as List,
  Boolean as Flag,
  Integer as Whole,
  Object as Mapping,
  Optional,
  String as Text,
  Unsafe,
  type Static,
  type TOptional,
  type TProperties,
} from '@sinclair/typebox';
import { mapOf, oneOf } from '../config/schema.js';

function closed<P extends TProperties, R extends keyof P = never>(
  properties: P,
  required: R[] = [],
) {
  const shaped = Object.fromEntries(
    Object.entries(properties).map(([key, value]) => [
      key,
      (required as (keyof P)[]).includes(key) ? value : Optional(value),
    ]),
  ) as { [K in keyof P]: K extends R ? P[K] : TOptional<P[K]> };
  return Mapping(shaped, { additionalProperties: false });
}

export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export const STEP_KINDS = [
  'dispatch',
  'facts',
  'comment',
  'label',
  'open-issue',
  'merge',
  'sweep',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const LOGIN = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$';
const CLUSTER_NAME = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';
const SCENARIO = Text({
  minLength: 1,
  description:
    'A shipped scenario name, or a path (relative to the rehearsal file) to a scenario file.',
});
const DURATION = Text({
  minLength: 1,
  maxLength: 40,
  description: 'Time on the simulated clock since the story began, such as 0s, 90s, 4m, 1h 30m.',
});
const strings = (description: string) =>
  List(Text({ minLength: 1, maxLength: 500 }), { maxItems: 100, description });
const target = Unsafe<'incident' | number>({
  description: 'The incident (default: the latest one) or an issue or pull request number.',
});
const by = Text({ pattern: LOGIN, description: 'Who acts: a login under `users`.' });

const INCLUDE_EXCLUDE = (what: string) =>
  closed({
    include: strings(`${what} that must be there.`),
    exclude: strings(`${what} that must not be there.`),
  });
const CONTAIN = (what: string) =>
  closed({
    contain: strings(`Texts ${what} must contain.`),
    'not-contain': strings(`Texts ${what} must not contain.`),
  });

const INCIDENT = closed({
  number: Whole({
    minimum: 1,
    description: 'Which issue or pull request (default: the latest incident).',
  }),
  state: oneOf(['open', 'closed', 'merged'] as const),
  kind: oneOf(['pr', 'issue'] as const),
  title: CONTAIN('the title'),
  body: CONTAIN('the body'),
  labels: INCLUDE_EXCLUDE('Labels'),
  comments: CONTAIN('the comments, together,'),
  files: mapOf('^[^\\s].*$', CONTAIN('the file on the incident branch'), {
    description: 'Files on the incident branch (pull requests), by path.',
  }),
});

const CLUSTER_EXPECT = closed({
  writes: INCLUDE_EXCLUDE(
    'Writes to the cluster (`METHOD /path`, `*` any text) that were not dry runs,',
  ),
  pods: mapOf(
    '^[^/\\s]+/[^/\\s]+$',
    closed({
      status: Text({ minLength: 1, description: "kubectl's STATUS column, such as Running." }),
      ready: Flag(),
      'max-restarts': Whole({ minimum: 0 }),
    }),
    {
      description:
        'Pods by `namespace/name` (`*` any text): at least one matches, and every one that does shows this.',
    },
  ),
  nodes: mapOf('^[^\\s]+$', closed({ ready: Flag(), schedulable: Flag() }), {
    description:
      'Nodes by name (`*` any text): at least one matches, and every one that does shows this.',
  }),
});

const EXPECT = closed({
  incidents: Whole({ minimum: 0, description: 'How many incidents kubemend opened.' }),
  incident: INCIDENT,
  issues: Whole({ minimum: 0, description: 'How many issues and pull requests exist in all.' }),
  cluster: CLUSTER_EXPECT,
  clusters: mapOf(CLUSTER_NAME, CLUSTER_EXPECT, {
    description:
      'One of several clusters by name, as `cluster` checks them all: its writes, pods and nodes.',
  }),
  github: closed({
    'max-requests': Whole({ minimum: 0 }),
    'max-writes': Whole({ minimum: 0 }),
  }),
  runs: closed({
    'no-failures': Flag({ description: 'No job of any workflow run concluded failure.' }),
    max: Whole({
      minimum: 0,
      description:
        'At most this many workflow runs in the whole story (each costs runner minutes).',
    }),
  }),
});

const STEP = closed(
  {
    at: DURATION,
    dispatch: Text({
      minLength: 1,
      description:
        'A JSON file (relative to the rehearsal file): a repository_dispatch request body or its client_payload.',
    }),
    'event-type': Text({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$',
      description: "The dispatch's event_type when the file has none (default: kubemend-alert).",
    }),
    times: Whole({ minimum: 1, maximum: 1000, description: 'How often to send it (default 1).' }),
    concurrency: Whole({
      minimum: 1,
      maximum: 50,
      description: 'How many of the workflow runs it starts run at once (default 1).',
    }),
    facts: Unsafe<Record<string, unknown>>({
      type: 'object',
      description: "Merged into the scenario's facts (registries, images, probes...).",
    }),
    cluster: Text({
      pattern: CLUSTER_NAME,
      description: 'Which of the clusters a facts step changes (default: the first).',
    }),
    comment: closed({ by, body: Text({ minLength: 1, maxLength: 65536 }), on: target }, [
      'by',
      'body',
    ]),
    label: closed({ by, name: Text({ minLength: 1, maxLength: 50 }), on: target }, ['by', 'name']),
    'open-issue': closed(
      {
        by,
        title: Text({ minLength: 1, maxLength: 256 }),
        body: Text({ maxLength: 65536 }),
        labels: List(Text({ minLength: 1, maxLength: 50 }), { maxItems: 20 }),
      },
      ['by', 'title'],
    ),
    merge: closed({ by, on: target }, ['by']),
    sweep: Mapping(
      {},
      {
        additionalProperties: false,
        description:
          "`{}`: GitHub's scheduler fires every workflow with a `schedule:` cron once (the sweep template's).",
      },
    ),
    expect: EXPECT,
  },
  ['at'],
);

export const REHEARSAL_SCHEMA = closed(
  {
    description: Text({ maxLength: 2000 }),
    scenario: SCENARIO,
    cluster: Text({
      pattern: CLUSTER_NAME,
      description: "The simulated cluster's name, as alerts name it (with scenario).",
    }),
    clusters: mapOf(
      CLUSTER_NAME,
      closed(
        {
          scenario: SCENARIO,
          credentials: Flag({
            description:
              'Whether the KUBECONFIG secret holds a context for this cluster (default true); false: kubemend has no credentials for it.',
          }),
        },
        ['scenario'],
      ),
      {
        description:
          'Several simulated clusters instead of scenario and cluster, by name, each with its own identity; the first is the one steps and the relay use unless they name another.',
        minProperties: 1,
        maxProperties: 10,
      },
    ),
    config: Text({ minLength: 1, description: 'Becomes .github/kubemend.yml.' }),
    gitops: Text({ minLength: 1, description: "A folder: the repository's default branch." }),
    repository: Text({ pattern: '^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$' }),
    'incident-mode': oneOf(['pr', 'issue'] as const),
    workflow: Text({
      minLength: 1,
      description:
        'reusable (the shipped templates), all-in-one (the root action), or a caller workflow path inside gitops/.',
    }),
    users: mapOf(LOGIN, oneOf(PERMISSIONS), {
      description: 'Collaborators by login, with their permission.',
      maxProperties: 100,
    }),
    'kubemend-token': Flag({
      description:
        "Whether the repository has the KUBEMEND_TOKEN secret, so kubemend's own writes start workflows (default true).",
    }),
    'clock-rate': Unsafe<number>({
      type: 'number',
      minimum: 0.1,
      maximum: 1000,
      description:
        "How fast the simulated clock runs while workflows run, against wall time (default 1): the actions' waits are real.",
    }),
    relay: Flag({
      description:
        "Alertmanager webhooks and generic alerts go through `kubemend relay` (its server, grouping and delivery, on the story's clock, with the config's relay: section) instead of straight to the dispatches API (default false). Other payloads (Argo CD's) still go straight to GitHub.",
    }),
    'validate-openapi': Flag({
      description:
        "Also validate every answer of the simulated GitHub against GitHub's OpenAPI description (default false; kubemend's requests always are).",
    }),
    steps: List(STEP, { minItems: 1, maxItems: 500 }),
    expect: EXPECT,
    'known-failing': List(
      closed({ expect: Text({ minLength: 1 }), reason: Text({ minLength: 1 }) }, [
        'expect',
        'reason',
      ]),
      {
        description:
          'Expectations that fail today, by path (such as incident.labels.exclude), each with the reason: reported, not counted; one that holds again fails the rehearsal until removed here.',
      },
    ),
  },
  ['steps'],
);

export type RehearsalDocument = Static<typeof REHEARSAL_SCHEMA>;
export type StepDocument = Static<typeof STEP>;
export type ExpectDocument = Static<typeof EXPECT>;
export type IncidentExpectDocument = Static<typeof INCIDENT>;

/** The rehearsal file's JSON Schema as schema/rehearsal.schema.json holds it, for editors. */
export function rehearsalSchemaJson(): string {
  return JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/kubemend/kubemend/blob/main/schema/rehearsal.schema.json',
    title: 'kubemend rehearsal file (kubemend rehearse FILE)',
    description:
      'A story (alerts, people, time) played on a simulated cluster and GitHub through the shipped workflows, and what should be true. See docs/rehearse.md.',
    ...REHEARSAL_SCHEMA,
  });
}
