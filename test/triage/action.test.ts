// The bundled triage action as the runner runs it, on intake's real outputs, against the
// GitHub emulator: the matrix, has-work, categories, and `category/<name>` labels.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitHubClient } from '../../src/github/client.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { dispatch, expectSuccess, PACE, REPOSITORY, TOKEN } from '../intake/support.js';

let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(Date.parse('2026-11-22T03:00:00Z'));
});
afterEach(async () => {
  await gh.close();
});

function triage(
  inputs: Record<string, string>,
  options: { workspace?: string; token?: boolean } = {},
): Promise<ActionRun> {
  return runAction('triage', {
    githubToken: options.token === false ? '' : TOKEN,
    apiUrl: gh.url,
    repository: REPOSITORY,
    inputs,
    ...(options.workspace ? { workspace: options.workspace } : {}),
    env: PACE,
  });
}

/** kubelet's event when an OOM-killed container is backed off, as a watcher relay sends it. */
const oomBackOff = {
  cluster: 'homelab',
  event: {
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container api in pod api-7c9d8f6b5-x2x9k_shop(3f2a)',
    count: 31,
  },
  involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  context: {
    ownerReferences: [{ kind: 'ReplicaSet', name: 'api-7c9d8f6b5' }],
    containerStatuses: [
      {
        name: 'api',
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
      },
    ],
  },
};

/** An Argo CD on-health-degraded notification whose pod cannot pull its image. */
const argoDegraded = {
  app_name: 'shop-frontend',
  cluster: 'homelab',
  health_status: 'Degraded',
  sync_status: 'Synced',
  dest_namespace: 'shop',
  resources: [
    {
      version: 'v1',
      kind: 'Pod',
      namespace: 'shop',
      name: 'frontend-6d8f7c9b54-q8w7z',
      status: 'Synced',
      health: {
        status: 'Degraded',
        message: 'Back-off pulling image "ghcr.io/acme/frontend:v2.3.1"',
      },
    },
  ],
};

function expectOk(run: ActionRun): void {
  if (run.exitCode !== 0)
    throw new Error(
      `triage failed (${run.exitCode}): ${run.annotations.map((a) => a.message).join(' | ')}\n${run.stderr}`,
    );
}

const matrixOf = (run: ActionRun) =>
  JSON.parse(run.outputs.matrix ?? '') as {
    include: {
      playbook: string;
      category: string;
      incident: number | null;
      targets: Record<string, unknown>;
    }[];
  };

describe.each(['pr', 'issue'] as const)('triage in %s mode', (mode) => {
  it("builds the matrix from intake's outputs, causes first, and labels each incident category/<name>", async () => {
    const first = await dispatch(gh, oomBackOff, { mode });
    const second = await dispatch(gh, argoDegraded, { mode });
    expectSuccess(first);
    expectSuccess(second);
    // Two intake runs' outputs together, as a workflow handling both would pass them.
    const alerts = [...JSON.parse(first.outputs.alerts!), ...JSON.parse(second.outputs.alerts!)];
    const incidents = [
      ...JSON.parse(first.outputs.incidents!),
      ...JSON.parse(second.outputs.incidents!),
    ];
    const before = gh.requests().length;

    const run = await triage({
      alerts: JSON.stringify(alerts),
      incidents: JSON.stringify(incidents),
    });
    expectOk(run);
    const oomNumber = Number(first.outputs['incident-number']);
    const argoNumber = Number(second.outputs['incident-number']);
    expect(matrixOf(run).include.map((e) => [e.incident, e.playbook])).toEqual([
      [oomNumber, 'oom'],
      [argoNumber, 'image-pull'],
      [argoNumber, 'argocd'],
    ]);
    expect(matrixOf(run).include[0]!.targets).toMatchObject({
      cluster: 'homelab',
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'api' },
      containers: ['api'],
    });
    expect(run.outputs['has-work']).toBe('true');
    const categories = JSON.parse(run.outputs.categories!) as {
      name: string;
      evidence: unknown[];
    }[];
    expect(categories[0]).toMatchObject({
      name: 'oom',
      evidence: expect.arrayContaining([expect.objectContaining({ match: 'OOMKilled' })]),
    });
    expect(repo().issues.get(oomNumber)!.labels).toEqual(
      expect.arrayContaining(['category/oom', 'category/crash-loop']),
    );
    expect(repo().issues.get(argoNumber)!.labels).toEqual(
      expect.arrayContaining(['category/image-pull', 'category/argocd']),
    );
    expect(run.summary).toContain('oom (0.');
    // One read and one label write per incident.
    expect(gh.requests().length - before).toBe(4);

    // A re-run reads and changes nothing.
    const writes = gh.writes().length;
    expectOk(
      await triage({ alerts: JSON.stringify(alerts), incidents: JSON.stringify(incidents) }),
    );
    expect(gh.writes().length).toBe(writes);
  });

  it('triages an incident from its number alone, reading the record in its body', async () => {
    const intake = await dispatch(gh, argoDegraded, { mode });
    expectSuccess(intake);
    const number = intake.outputs['incident-number']!;
    const run = await triage({ 'incident-number': number });
    expectOk(run);
    expect(matrixOf(run).include.map((e) => [e.incident, e.playbook])).toEqual([
      [Number(number), 'image-pull'],
      [Number(number), 'argocd'],
    ]);
    expect(repo().issues.get(Number(number))!.labels).toEqual(
      expect.arrayContaining(['category/image-pull']),
    );
  });
});

it('removes a category label triage no longer finds, and keeps the others', async () => {
  const intake = await dispatch(gh, oomBackOff);
  expectSuccess(intake);
  const number = Number(intake.outputs['incident-number']);
  repo().issues.get(number)!.labels.push('category/node', 'team/platform');
  expectOk(await triage({ 'incident-number': String(number) }));
  const labels = repo().issues.get(number)!.labels;
  expect(labels).not.toContain('category/node');
  expect(labels).toEqual(expect.arrayContaining(['category/oom', 'team/platform', 'kubemend']));
});

it('has no work for a resolved incident or one nothing can act on, and says so', async () => {
  // Degraded, then Healthy: a Healthy notification alone opens no incident.
  expectSuccess(await dispatch(gh, argoDegraded));
  const resolved = await dispatch(gh, { ...argoDegraded, health_status: 'Healthy', resources: [] });
  expectSuccess(resolved);
  expect(resolved.outputs).toMatchObject({ action: 'updated', status: 'resolved' });
  const run = await triage({
    alerts: resolved.outputs.alerts!,
    'incident-number': resolved.outputs['incident-number']!,
  });
  expectOk(run);
  expect(run.outputs).toMatchObject({ matrix: '{"include":[]}', 'has-work': 'false' });
  expect(repo().issues.get(Number(resolved.outputs['incident-number']))!.labels).toContain(
    'category/argocd',
  );

  const watchdog = {
    version: '4',
    groupKey: 'g',
    alerts: [{ status: 'firing', labels: { alertname: 'Watchdog', cluster: 'homelab' } }],
  };
  const w = await triage(
    { alerts: JSON.stringify((await dispatchAlerts(watchdog)).alerts) },
    { token: false },
  );
  expectOk(w);
  expect(w.outputs['has-work']).toBe('false');
});

/** Intake's normalised alerts for a payload, without an incident (the CLI's domain call). */
async function dispatchAlerts(payload: unknown): Promise<{ alerts: unknown[] }> {
  const { normalisePayload } = await import('../../src/alerts/shapes.js');
  return { alerts: normalisePayload(payload, { cluster: undefined }) };
}

it('runs on alerts alone with no token: no GitHub request, outputs set', async () => {
  const { alerts } = await dispatchAlerts(oomBackOff);
  const run = await triage({ alerts: JSON.stringify(alerts) }, { token: false });
  expectOk(run);
  expect(gh.requests()).toHaveLength(0);
  expect(matrixOf(run).include).toEqual([
    expect.objectContaining({ playbook: 'oom', incident: null }),
  ]);
});

it('applies the user rules and playbook modes of the config', async () => {
  const workspace = join(tmpdir(), `kubemend-triage-${process.pid}-${Date.now()}`);
  mkdirSync(join(workspace, '.github'), { recursive: true });
  writeFileSync(
    join(workspace, '.github/kubemend.yml'),
    'playbooks:\n  oom: { mode: off }\ntriage:\n  rules:\n    - { name: api-is-special, match: { message: "container api in pod" }, category: probe, confidence: 0.99 }\n',
  );
  const { alerts } = await dispatchAlerts(oomBackOff);
  const run = await triage({ alerts: JSON.stringify(alerts) }, { workspace, token: false });
  expectOk(run);
  // probe (0.99, the user's) ranks first; oom is off; crash-loop is oom's symptom.
  expect(matrixOf(run).include.map((e) => e.playbook)).toEqual(['probe']);
});

it('completes with rules whose nested quantifiers V8 would backtrack on for ever, and builds its matrix', async () => {
  const workspace = join(tmpdir(), `kubemend-triage-evil-${process.pid}-${Date.now()}`);
  mkdirSync(join(workspace, '.github'), { recursive: true });
  writeFileSync(
    join(workspace, '.github/kubemend.yml'),
    String.raw`triage:
  rules:
    - { name: words, match: { message: '^(\w+\s?)*$' }, category: probe, confidence: 0.99 }
    - { name: runs, match: { message: '(a+)+$' }, category: node, confidence: 0.99 }
`,
  );
  // The message intake would keep: 4,000 characters, all but the last a word character.
  const long = { ...oomBackOff, event: { ...oomBackOff.event, message: `${'a'.repeat(3_999)}!` } };
  const short = {
    ...oomBackOff,
    involved_object: { ...oomBackOff.involved_object, name: 'web-7c9d8f6b5-x2x9k' },
    context: { ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7c9d8f6b5' }] },
    event: { ...oomBackOff.event, message: 'Liveness probe failed' },
  };
  const alerts = [...(await dispatchAlerts(long)).alerts, ...(await dispatchAlerts(short)).alerts];
  const run = await triage({ alerts: JSON.stringify(alerts) }, { workspace, token: false });
  expectOk(run);
  // The long message matches neither rule: its incident is the OOM it is. The short one
  // is all words, so the user's 0.99 probe rule ranks first.
  expect(matrixOf(run).include.map((e) => e.playbook)).toEqual(['oom', 'probe']);
});

it.each([
  [
    'a config typo',
    { '.github/kubemend.yml': 'triage:\n  min-confidance: 0.4\n' },
    /^Config \.github\/kubemend\.yml: 'triage\.min-confidance' is not a known key; did you mean 'min-confidence'\?/,
  ],
])('fails with one line on %s, before any request', async (_name, files, message) => {
  const workspace = join(tmpdir(), `kubemend-triage-bad-${process.pid}-${Date.now()}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(workspace, path, '..'), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  const run = await triage({ 'incident-number': '1' }, { workspace });
  expect(run.exitCode).toBe(1);
  expect(run.annotations).toHaveLength(1);
  expect(run.annotations[0]!.message).toMatch(message);
  expect(gh.requests()).toHaveLength(0);
});

it('refuses an issue kubemend did not open, in one line naming the way forward', async () => {
  const octokit = createGitHubClient({ token: 't', baseUrl: gh.url, writeIntervalMs: 0 }).octokit;
  const { data } = await octokit.rest.issues.create({
    owner: 'octo-org',
    repo: 'gitops',
    title: 'pods are slow',
    body: 'help\n<details><summary>Incident record</summary>\n\n```yaml\nversion: 1\n```\n</details>',
  });
  const number = data.number;
  const writes = gh.writes().length;
  const run = await triage({ 'incident-number': String(number) });
  expect(run.exitCode).toBe(1);
  expect(run.annotations[0]!.message).toBe(
    `Incident #${number} holds no kubemend record; triage reads incidents opened by kubemend intake (for other issues, use the diagnose action).`,
  );
  expect(gh.writes()).toHaveLength(writes);
});
