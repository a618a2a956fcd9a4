import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitHubClient } from '../../src/github/client.js';
import { findMarker } from '../../src/incidents/markdown.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import {
  branchOf,
  dispatch,
  expectSuccess,
  generic,
  recordOf,
  recordOn,
  REPOSITORY,
} from './support.js';

let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);
const MINUTE = 60_000;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  // A frozen clock: incident times move only when a test advances it.
  gh.clock.set(Date.parse('2026-11-22T03:00:00Z'));
});
afterEach(async () => {
  await gh.close();
});

/** The emulator's clock moves; intake reads GitHub's Date header, so incident times move with it. */
const advance = (ms: number) => gh.clock.advance(ms);

function client() {
  return createGitHubClient({ token: 't', baseUrl: gh.url, writeIntervalMs: 0, retryUnitMs: 5 })
    .octokit;
}

describe.each(['pr', 'issue'] as const)('intake in %s mode', (mode) => {
  const incidents = () => (mode === 'pr' ? repo().openPulls() : repo().openIssues());

  it('opens one incident with title, labels, summary table and record, in at most 6 requests', async () => {
    const run = await dispatch(gh, generic({ severity: 'critical' }), { mode });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({
      'incident-number': '1',
      created: 'true',
      action: 'created',
      status: 'firing',
      'record-path': expect.stringMatching(
        /^alerts\/incoming\/homelab\/storefront-down-[0-9a-f]{8}\.yaml$/,
      ),
    });
    expect(gh.requests().length).toBeLessThanOrEqual(6);
    const [incident] = incidents();
    expect(incidents()).toHaveLength(1);
    expect(incident!.title).toBe('[critical] homelab: Storefront down');
    expect(incident!.labels).toEqual(
      expect.arrayContaining(['kubemend', 'severity/critical', 'cluster/homelab']),
    );
    expect(findMarker(incident!.body!, 'incident')).toMatch(/^[0-9a-f]{8}$/);
    for (const row of [
      'Cluster',
      'State',
      'At the source',
      'Targets',
      'Severity',
      'First seen',
      'Last seen',
      'Occurrences',
    ])
      expect(incident!.body).toMatch(new RegExp(`^\\| ${row} \\| .+ \\|$`, 'm'));
    expect(incident!.body).toContain('kubectl -n shop describe deployment/store-front');
    const branch = `kubemend/homelab/${run.outputs['record-path']!.split('/').pop()!.replace('.yaml', '')}`;
    const record = recordOn(gh, branch, run.outputs['record-path']!);
    expect(record).toMatchObject({
      occurrences: 1,
      status: 'firing',
      incident: { state: 'open', number: 1 },
    });
    if (mode === 'pr') expect(incident!.pull!.headRef).toBe(branch);
  });

  it('a repeat of an open incident updates its record in place with 2 requests and adds no comment', async () => {
    const first = await dispatch(gh, generic(), { mode });
    expectSuccess(first);
    gh.log.length = 0;
    advance(MINUTE);
    const run = await dispatch(gh, generic({ message: 'Back-off pulling image (x7 over 3m)' }), {
      mode,
    });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({
      'incident-number': '1',
      created: 'false',
      action: 'updated',
    });
    expect(gh.requests().map((r) => `${r.method} ${r.operationId}`)).toEqual([
      'GET repos/get-content',
      'PUT repos/create-or-update-file-contents',
    ]);
    expect(repo().commentsOn(1)).toHaveLength(0);
    const record = recordOf(gh, first);
    expect(record.occurrences).toBe(2);
    expect(record.latest.message).toBe('Back-off pulling image (x7 over 3m)');
    expect(Date.parse(record.lastSeen) - Date.parse(record.firstSeen)).toBe(MINUTE);
    expect(incidents()).toHaveLength(1);
  });

  it('the body is refreshed with the counts once the refresh interval has passed', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    for (let i = 0; i < 3; i++) {
      advance(4 * MINUTE);
      expectSuccess(await dispatch(gh, generic(), { mode }));
    }
    // 12 minutes after opening, one repeat re-rendered the body (interval 10 minutes).
    expect(incidents()[0]!.body).toMatch(/^\| Occurrences \| 4 \|$/m);
    expect(repo().commentsOn(1)).toHaveLength(0);
  });

  it('resolving is told once; firing again within the stable window is a flap, labelled, not a new incident', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    advance(MINUTE);
    const resolved = await dispatch(gh, generic({ status: 'resolved' }), { mode });
    expectSuccess(resolved);
    expect(resolved.outputs).toMatchObject({ status: 'resolved', created: 'false' });
    expectSuccess(await dispatch(gh, generic({ status: 'resolved' }), { mode }));
    expect(repo().commentsOn(1)).toHaveLength(1);
    expect(repo().commentsOn(1)[0]!.body).toContain('Resolved at');

    advance(3 * MINUTE);
    const again = await dispatch(gh, generic(), { mode });
    expectSuccess(again);
    expect(again.outputs).toMatchObject({
      'incident-number': '1',
      created: 'false',
      status: 'firing',
    });
    expect(JSON.parse(again.outputs['incidents']!)[0].notable.sort()).toEqual(['flap', 'status']);
    expect(incidents()).toHaveLength(1);
    expect(incidents()[0]!.labels).toContain('kubemend/flapping');
    expect(repo().commentsOn(1)[1]!.body).toContain('flap 1');
    const record = recordOf(gh, again);
    expect(record).toMatchObject({ flaps: 1, occurrences: 4, status: 'firing', resolvedAt: null });
  });

  it('firing again after the stable window is told, but is not a flap', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    expectSuccess(await dispatch(gh, generic({ status: 'resolved' }), { mode }));
    advance(11 * MINUTE);
    const again = await dispatch(gh, generic(), { mode });
    expectSuccess(again);
    expect(JSON.parse(again.outputs['incidents']!)[0].notable).toEqual(['status']);
    expect(incidents()[0]!.labels).not.toContain('kubemend/flapping');
  });

  it('opens no incident for a resolved notification of a problem it never saw', async () => {
    const run = await dispatch(gh, generic({ status: 'resolved' }), { mode });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({ action: 'ignored', created: 'false', alerts: '[]' });
    expect(incidents()).toHaveLength(0);
    expect(gh.writes()).toHaveLength(0);
  });

  it('reports a resolved incident as stably resolved once the window has passed', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    expectSuccess(await dispatch(gh, generic({ status: 'resolved' }), { mode }));
    advance(10 * MINUTE);
    const later = await dispatch(gh, generic({ status: 'resolved' }), { mode });
    expect(JSON.parse(later.outputs['incidents']!)[0]['stably-resolved']).toBe(true);
  });

  it('after the incident is closed, a new firing opens a new incident that links the previous one', async () => {
    const first = await dispatch(gh, generic(), { mode });
    expectSuccess(first);
    expectSuccess(await dispatch(gh, generic({ status: 'resolved' }), { mode }));
    advance(20 * MINUTE);
    const octokit = client();
    const [owner, name] = REPOSITORY.split('/') as [string, string];
    await octokit.rest.issues.update({ owner, repo: name, issue_number: 1, state: 'closed' });
    advance(25 * MINUTE);
    const again = await dispatch(gh, generic(), { mode });
    expectSuccess(again);
    expect(again.outputs).toMatchObject({
      created: 'true',
      action: 'recurred',
      'incident-number': '2',
    });
    const [incident] = incidents();
    expect(incidents()).toHaveLength(1);
    expect(incident!.number).toBe(2);
    expect(incident!.body).toContain('came back 25m after #1 was closed');
  });

  it('an alert still firing on an incident a person closed is counted there and opens nothing new', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    const [owner, name] = REPOSITORY.split('/') as [string, string];
    await client().rest.issues.update({ owner, repo: name, issue_number: 1, state: 'closed' });
    const repeat = await dispatch(gh, generic(), { mode });
    expectSuccess(repeat);
    expect(repeat.outputs).toMatchObject({ 'incident-number': '1', created: 'false' });
    expect(incidents()).toHaveLength(0);
  });

  it('a new target is told once, in a comment naming it', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    expectSuccess(await dispatch(gh, generic({ resource: 'Deployment/checkout' }), { mode }));
    expectSuccess(await dispatch(gh, generic({ resource: 'Deployment/checkout' }), { mode }));
    expect(
      repo()
        .commentsOn(1)
        .map((c) => c.body),
    ).toEqual([expect.stringContaining('New targets: Deployment/shop/checkout.')]);
  });

  it('a severity change swaps the severity label and is told once', async () => {
    expectSuccess(await dispatch(gh, generic(), { mode }));
    expectSuccess(await dispatch(gh, generic({ severity: 'critical' }), { mode }));
    expectSuccess(await dispatch(gh, generic({ severity: 'critical' }), { mode }));
    const incident = [...repo().issues.values()][0]!;
    expect(incident.labels).toContain('severity/critical');
    expect(incident.labels).not.toContain('severity/warning');
    expect(incident.title).toBe('[critical] homelab: Storefront down');
    expect(
      repo()
        .commentsOn(1)
        .map((c) => c.body),
    ).toEqual([expect.stringContaining('Severity changed from warning to critical')]);
  });
});

describe('intake, whatever the mode', () => {
  it('after a merge that moved the record to alerts/resolved/, a new firing links the merged incident', async () => {
    const first = await dispatch(gh, generic(), { mode: 'pr' });
    expectSuccess(first);
    const [owner, name] = REPOSITORY.split('/') as [string, string];
    const branch = branchOf(first);
    const incoming = first.outputs['record-path']!;
    const octokit = client();
    // What report does when the cluster is verified healthy: move the record, then merge.
    const text = repo().readFile(branch, incoming)!;
    const { data: file } = await octokit.rest.repos.getContent({
      owner,
      repo: name,
      path: incoming,
      ref: branch,
    });
    const closedRecord = text
      .replace('state: open', 'state: closed')
      .replace('closedAt: null', `closedAt: '${gh.clock.iso()}'`);
    await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo: name,
      branch,
      message: 'resolve',
      path: incoming.replace('/incoming/', '/resolved/'),
      content: Buffer.from(closedRecord).toString('base64'),
    });
    await octokit.rest.repos.deleteFile({
      owner,
      repo: name,
      branch,
      path: incoming,
      message: 'move',
      sha: (file as { sha: string }).sha,
    });
    await octokit.rest.pulls.merge({ owner, repo: name, pull_number: 1, merge_method: 'squash' });
    // Alertmanager's resolved notification arrives after kubemend merged: it opens nothing.
    advance(5 * MINUTE);
    const late = await dispatch(gh, generic({ status: 'resolved' }), { mode: 'pr' });
    expectSuccess(late);
    expect(late.outputs).toMatchObject({ action: 'ignored', 'incident-number': '', alerts: '[]' });
    expect(repo().openPulls()).toHaveLength(0);
    advance(85 * MINUTE);
    const again = await dispatch(gh, generic(), { mode: 'pr' });
    expectSuccess(again);
    expect(again.outputs).toMatchObject({
      action: 'recurred',
      created: 'true',
      'incident-number': '2',
    });
    expect(repo().openPulls()[0]!.body).toContain('came back 1h 30m after #1 was closed');
  });

  it('when the rate-limit budget runs low, pure repeats are read, not written; status changes are still written', async () => {
    const first = await dispatch(gh, generic(), { mode: 'pr' });
    expectSuccess(first);
    gh.setRemaining(50);
    gh.log.length = 0;
    const repeat = await dispatch(gh, generic(), { mode: 'pr' });
    expectSuccess(repeat);
    expect(repeat.outputs['action']).toBe('coalesced');
    expect(gh.writes()).toHaveLength(0);
    expect(repeat.annotations.map((a) => a.level)).toContain('warning');
    const resolved = await dispatch(gh, generic({ status: 'resolved' }), { mode: 'pr' });
    expectSuccess(resolved);
    expect(resolved.outputs['action']).toBe('updated');
    expect(recordOf(gh, first)).toMatchObject({
      status: 'resolved',
      occurrences: 2,
    });
  });

  it('an Alertmanager group becomes one incident per problem', async () => {
    const alert = (alertname: string, pod: string) => ({
      status: 'firing',
      labels: { alertname, namespace: 'shop', pod, severity: 'warning', cluster: 'homelab' },
      annotations: { summary: `${alertname} on ${pod}` },
      startsAt: '2026-11-22T03:00:00Z',
    });
    const payload = {
      version: '4',
      groupKey: '{}:{alertname=~".*"}',
      status: 'firing',
      alerts: [
        alert('KubePodCrashLooping', 'api-7d9f8b6c4-xk2pq'),
        alert('KubePodCrashLooping', 'api-7d9f8b6c4-zz9qp'),
        alert('KubePodNotReady', 'web-5c8d7f9b6-abcde'),
        alert('KubeContainerWaiting', 'worker-0'),
      ],
    };
    const run = await dispatch(gh, payload);
    expectSuccess(run);
    const results = JSON.parse(run.outputs['incidents']!) as { number: number }[];
    expect(results).toHaveLength(3);
    expect(repo().openPulls()).toHaveLength(3);
    expect(JSON.parse(run.outputs['alerts']!)).toHaveLength(4);
  });

  it('a cascade of more problems than max-incidents becomes one incident per cluster', async () => {
    const alerts = Array.from({ length: 12 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: `Problem${i}`, namespace: `ns${i}`, cluster: 'homelab' },
      annotations: {},
    }));
    const run = await dispatch(gh, { version: '4', groupKey: 'g', alerts });
    expectSuccess(run);
    expect(repo().openPulls()).toHaveLength(1);
    expect(repo().openPulls()[0]!.title).toBe(
      '[warning] homelab: Alert storm: 12 problems at once',
    );
    expect(run.annotations.find((a) => a.level === 'warning')?.message).toContain('12 problems');
  });

  it('group-by: [cluster] in the config gives one incident per cluster', async () => {
    const workspace = join(tmpdir(), `kubemend-ws-${process.pid}-${Date.now()}`);
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(join(workspace, '.github/kubemend.yml'), 'intake:\n  group-by: [cluster]\n');
    expectSuccess(await dispatch(gh, generic(), { workspace }));
    const other = await dispatch(gh, generic({ title: 'Database down' }), { workspace });
    expectSuccess(other);
    expect(other.outputs['created']).toBe('false');
    expect(repo().openPulls()).toHaveLength(1);
  });

  it('a bad config fails with one line naming the key, and writes nothing', async () => {
    const workspace = join(tmpdir(), `kubemend-ws-bad-${process.pid}-${Date.now()}`);
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(join(workspace, '.github/kubemend.yml'), 'intake:\n  stable-windw: 5m\n');
    const run = await dispatch(gh, generic(), { workspace });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message)).toEqual([
      "Config .github/kubemend.yml: 'intake.stable-windw' is not a known key; did you mean 'stable-window'? Allowed: group-by, stable-window, refresh-interval, rate-limit-reserve, rate-limit-wait, max-incidents, labels.",
    ]);
    expect(gh.requests()).toHaveLength(0);
  });
});
