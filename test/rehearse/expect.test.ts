// Each kind of expectation judged against what a rehearsal showed: it holds when GitHub or
// the cluster shows what it asks, and fails, with a line saying what was seen, when not.
import { judge, passed } from '../../src/rehearse/expect.js';
import type { ExpectDocument } from '../../src/rehearse/file-schema.js';
import type { RehearsalResult, ShownIssue } from '../../src/rehearse/result.js';

const incident: ShownIssue = {
  number: 1,
  kind: 'pr',
  title: 'KubePodNotReady shop storefront',
  state: 'merged',
  labels: ['kubemend', 'category/image-pull'],
  body: '<!-- kubemend:incident 08db8a9f -->\n# KubePodNotReady',
  author: 'kubemend-bot',
  comments: [{ author: 'kubemend-bot', body: 'Resolved: the pods run.' }],
  files: { 'alerts/resolved/homelab/08db8a9f.md': 'occurrences: 20' },
};
const shown: Omit<RehearsalResult, 'expectations' | 'ok'> = {
  rehearsal: {
    file: 'r.yaml',
    scenario: 'registry-outage',
    cluster: 'homelab',
    clusters: [{ name: 'homelab', scenario: 'registry-outage', credentials: true }],
    repository: 'acme/gitops',
  },
  incidents: [incident],
  issues: [incident, { ...incident, number: 2, kind: 'issue', body: 'a person wrote this' }],
  cluster: {
    writes: [
      {
        cluster: 'homelab',
        method: 'DELETE',
        path: '/api/v1/namespaces/shop/pods/storefront-1',
        dryRun: false,
        status: 200,
      },
      {
        cluster: 'homelab',
        method: 'PATCH',
        path: '/api/v1/nodes/cp-1',
        dryRun: true,
        status: 200,
      },
    ],
    pods: [
      {
        cluster: 'homelab',
        namespace: 'shop',
        name: 'storefront-1',
        status: 'Running',
        ready: true,
        restarts: 0,
        node: 'worker-1',
      },
      {
        cluster: 'homelab',
        namespace: 'shop',
        name: 'storefront-2',
        status: 'ImagePullBackOff',
        ready: false,
        restarts: 0,
        node: 'worker-2',
      },
      {
        cluster: 'homelab',
        namespace: 'shop',
        name: 'cart-1',
        status: 'Running',
        ready: true,
        restarts: 3,
        node: 'worker-1',
      },
    ],
    nodes: [
      { cluster: 'homelab', name: 'cp-1', ready: true, schedulable: true },
      { cluster: 'homelab', name: 'worker-1', ready: true, schedulable: false },
    ],
  },
  github: { requests: 80, writes: 20 },
  steps: [
    {
      at: '0s',
      kind: 'dispatch',
      summary: 'dispatch',
      runs: [{ workflow: 'kubemend alerts', job: 'kubemend / intake', conclusion: 'failure' }],
      workflowRuns: 1,
      github: { requests: 80, writes: 20 },
      cluster: { writes: [] },
    },
  ],
};

const verdicts = (expect: ExpectDocument) => judge(expect, shown).map((e) => [e.path, e.ok]);

describe('expectations', () => {
  it('count incidents and every issue', () => {
    expect(verdicts({ incidents: 1, issues: 2 })).toEqual([
      ['incidents', true],
      ['issues', true],
    ]);
    const [wrong] = judge({ incidents: 3 }, shown);
    expect(wrong).toMatchObject({
      ok: false,
      message: '3 incident(s) expected; kubemend opened 1 (#1).',
    });
  });

  it("judge the incident's state, kind, labels, texts and files", () => {
    expect(
      verdicts({
        incident: {
          state: 'merged',
          kind: 'pr',
          labels: { include: ['category/image-pull'], exclude: ['kubemend/needs-human'] },
          title: { contain: ['storefront'] },
          body: { 'not-contain': ['hunter2'] },
          comments: { contain: ['Resolved'] },
          files: { 'alerts/resolved/homelab/08db8a9f.md': { contain: ['occurrences: 20'] } },
        },
      }).every(([, ok]) => ok),
    ).toBe(true);
    expect(
      verdicts({
        incident: {
          state: 'open',
          kind: 'issue',
          labels: { include: ['kubemend/dry-run'], exclude: ['kubemend'] },
          title: { contain: ['payments'] },
          comments: { 'not-contain': ['Resolved'] },
          files: { 'apps/shop/deployment.yaml': { contain: ['512Mi'] } },
        },
      }),
    ).toEqual([
      ['incident.state', false],
      ['incident.kind', false],
      ['incident.labels.include[kubemend/dry-run]', false],
      ['incident.labels.exclude[kubemend]', false],
      ['incident.title.contain[payments]', false],
      ['incident.comments.not-contain[Resolved]', false],
      ['incident.files[apps/shop/deployment.yaml]', false],
    ]);
  });

  it('fail when the incident they name does not exist', () => {
    const [missing] = judge({ incident: { number: 7, state: 'open' } }, shown);
    expect(missing).toMatchObject({ ok: false, path: 'incident' });
    expect(missing?.message).toContain('incident #7 was expected');
  });

  it('match cluster writes by method and path, dry runs not counted', () => {
    expect(
      verdicts({
        cluster: {
          writes: {
            include: ['DELETE /api/v1/namespaces/shop/pods/*'],
            exclude: ['* /api/v1/nodes/cp-1*'],
          },
        },
      }),
    ).toEqual([
      ['cluster.writes.include[DELETE /api/v1/namespaces/shop/pods/*]', true],
      ['cluster.writes.exclude[* /api/v1/nodes/cp-1*]', true],
    ]);
    const [deleted] = judge({ cluster: { writes: { exclude: ['DELETE *'] } } }, shown);
    expect(deleted).toMatchObject({ ok: false });
    expect(deleted?.message).toContain('DELETE /api/v1/namespaces/shop/pods/storefront-1');
  });

  it("judge the cluster's pods and nodes as kubectl shows them", () => {
    expect(
      verdicts({
        cluster: {
          pods: {
            'shop/cart-*': { status: 'Running', ready: true },
            'shop/storefront-*': { status: 'Running' },
          },
          nodes: { 'worker-*': { schedulable: false }, 'cp-*': { schedulable: false } },
        },
      }),
    ).toEqual([
      ['cluster.pods[shop/cart-*]', true],
      ['cluster.pods[shop/storefront-*]', false],
      ['cluster.nodes[worker-*]', true],
      ['cluster.nodes[cp-*]', false],
    ]);
    const [restarts, none] = judge(
      {
        cluster: { pods: { 'shop/cart-*': { 'max-restarts': 2 }, 'payments/*': { ready: true } } },
      },
      shown,
    );
    expect(restarts?.message).toContain('cart-1 is Running, ready, 3 restart(s)');
    expect(none).toMatchObject({ ok: false, message: 'no pod matches payments/*.' });
  });

  it('bound the GitHub requests and find failed jobs', () => {
    expect(
      verdicts({ github: { 'max-requests': 80, 'max-writes': 19 }, runs: { 'no-failures': true } }),
    ).toEqual([
      ['github.max-requests', true],
      ['github.max-writes', false],
      ['runs.no-failures', false],
    ]);
  });

  it('count the workflow runs the story started against runs.max', () => {
    expect(verdicts({ runs: { max: 1 } })).toEqual([['runs.max', true]]);
    expect(verdicts({ runs: { max: 0 } })).toEqual([['runs.max', false]]);
  });

  it('report a known failure without failing the rehearsal, and fail once it holds again', () => {
    const known = [
      { expect: 'incident.labels', reason: '#19: needs-human after a resolved alert' },
    ];
    const failing = judge(
      { incident: { labels: { include: ['kubemend/needs-human'] } } },
      shown,
      known,
    );
    expect(failing).toEqual([
      expect.objectContaining({ ok: false, knownFailing: known[0]!.reason }),
    ]);
    expect(passed(failing)).toBe(true);
    const holding = judge({ incident: { labels: { include: ['kubemend'] } } }, shown, known);
    expect(holding[0]).toMatchObject({ ok: false });
    expect(holding[0]?.message).toContain('now holds: remove it from the list');
    expect(passed(holding)).toBe(false);
  });

  it('mark only the listed item known-failing when the entry names it', () => {
    const known = [{ expect: 'cluster.nodes[worker-*]', reason: '#19: workers not cordoned' }];
    const judged = judge(
      { cluster: { nodes: { 'worker-*': { schedulable: true }, 'cp-*': { schedulable: false } } } },
      shown,
      known,
    );
    expect(judged.map((e) => [e.path, e.ok, e.knownFailing])).toEqual([
      ['cluster.nodes[worker-*]', false, '#19: workers not cordoned'],
      ['cluster.nodes[cp-*]', false, undefined],
    ]);
    expect(passed(judged)).toBe(false);
  });
});
