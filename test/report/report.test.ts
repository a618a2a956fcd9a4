// The bundled report action against the GitHub emulator, on incidents opened by the
// bundled intake action: one status comment however often it runs, the state label, and
// a merge (record moved to alerts/resolved/ first) or a close only when every playbook
// verified the fix; a blocked merge gets auto-merge or the reason.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { RemediationResult } from '../../src/remediation/result.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { makeClusterTls } from '../../src/sim/kube/tls.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { startDiscordEmulator } from '../../src/sim/notify/discord.js';
import { dispatch, expectSuccess, generic, PACE, REPOSITORY, TOKEN } from '../intake/support.js';

let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(Date.parse('2026-11-22T03:00:00Z'));
});
afterEach(async () => {
  await gh.close();
});

function result(overrides: Partial<RemediationResult> = {}): RemediationResult {
  return {
    version: 1,
    playbook: 'image-pull',
    category: 'image-pull',
    incident: 1,
    cluster: 'homelab',
    mode: 'auto',
    targets: { cluster: 'homelab', namespace: 'shop' },
    identity: { status: 'confirmed', matched: ['server', 'kube-system-uid'] },
    findings: ['5 pod(s) cannot pull from docker.io: unreachable'],
    decisions: [
      {
        guardrail: 'opt-in',
        allowed: true,
        reason: 'namespace shop has kubemend.io/remediate=true',
      },
    ],
    actions: [
      {
        verb: 'delete',
        object: 'shop/Pod/storefront-7d9f8b6c4-xk2pq',
        dryRun: false,
        detail: 'stuck',
      },
    ],
    verification: { before: 5, after: 0, polls: 2 },
    outcome: 'resolved',
    reason: 'no pod is stuck pulling after 2 check(s)',
    requests: 31,
    durations: { totalMs: 42_000, verifyMs: 30_000 },
    ...overrides,
  };
}

/** A workspace whose results directory holds these results, one file each, as artifacts land. */
function workspace(results: RemediationResult[], config = ''): string {
  const dir = join(
    tmpdir(),
    `kubemend-report-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  results.forEach((r, i) => {
    const folder = join(dir, 'kubemend-results', `kubemend-result-${i}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `a1b2c3d4-${r.playbook}.json`), JSON.stringify(r));
  });
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, '.github/kubemend.yml'), config);
  return dir;
}

async function incident(mode: 'pr' | 'issue' = 'pr'): Promise<number> {
  const run = await dispatch(gh, generic(), { mode });
  expectSuccess(run);
  return Number(run.outputs['incident-number']);
}

function report(
  number: number,
  ws: string,
  env: Record<string, string> = {},
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction('report', {
    githubToken: TOKEN,
    apiUrl: gh.url,
    repository: REPOSITORY,
    inputs: { 'incident-number': String(number), ...inputs },
    workspace: ws,
    env: { ...PACE, ...env },
  });
}

const statusComments = (number: number) =>
  repo()
    .commentsOn(number)
    .filter((c) => c.body.startsWith('<!-- kubemend:status -->'));
const labelsOf = (number: number) => repo().issues.get(number)!.labels;

describe('report', () => {
  it('merges a verified incident (squash) after moving its record to alerts/resolved/, and labels it resolved', async () => {
    const number = await incident();
    const run = await report(number, workspace([result({ incident: number })]));
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ state: 'resolved', merged: 'true' });
    const pull = repo().issues.get(number)!;
    expect(pull.pull?.merged).toBe(true);
    expect(labelsOf(number)).toContain('kubemend/resolved');
    const main = [
      ...repo()
        .git.files(repo().git.commits.get(repo().resolve('main')!)!.tree)
        .keys(),
    ];
    expect(main.some((p) => p.startsWith('alerts/resolved/homelab/'))).toBe(true);
    expect(main.some((p) => p.startsWith('alerts/incoming/'))).toBe(false);
    const [comment] = statusComments(number);
    expect(comment?.body).toContain(
      '| image-pull (auto) | shop | delete Pod | 1 passed | **resolved** | 42s |',
    );
    expect(comment?.body).toContain('Merged \\(squash\\) after verification.');
    expect(run.summary).toContain('### kubemend status');
  });

  it("moves this incident's own record, not another incident's that the default branch carries", async () => {
    // A pull request a person merged brought its record to main at alerts/incoming/.
    const other = 'alerts/incoming/homelab/disk-full-0badc0de.yaml';
    const put = await fetch(`${gh.url}/repos/${REPOSITORY}/contents/${other}`, {
      method: 'PUT',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: 'a person merged an incident',
        content: Buffer.from('key: another incident\n').toString('base64'),
        branch: 'main',
      }),
    });
    expect(put.status).toBe(201);
    const number = await incident();
    const run = await report(number, workspace([result({ incident: number })]));
    expect(run.outputs).toMatchObject({ state: 'resolved', merged: 'true' });
    const main = [
      ...repo()
        .git.files(repo().git.commits.get(repo().resolve('main')!)!.tree)
        .keys(),
    ];
    expect(main).toContain(other);
    expect(main.filter((p) => p.startsWith('alerts/resolved/'))).toEqual([
      expect.stringMatching(/^alerts\/resolved\/homelab\/storefront-down-[0-9a-f]{8}\.yaml$/),
    ]);
    expect(main.filter((p) => p.startsWith('alerts/incoming/'))).toEqual([other]);
  });

  it('merges a recurrence on a branch kept after the squash merge of the incident before it', async () => {
    // GitHub keeps head branches after a merge unless the repository says otherwise.
    expect(repo().deleteBranchOnMerge).toBe(false);
    const first = await incident();
    const firstRun = await report(first, workspace([result({ incident: first })]));
    expect(firstRun.outputs).toMatchObject({ merged: 'true' });
    gh.clock.advance(3 * 3_600_000);
    const run = await dispatch(gh, generic(), { mode: 'pr' });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({ action: 'recurred' });
    const second = Number(run.outputs['incident-number']);
    const secondRun = await report(second, workspace([result({ incident: second })]));
    expect(secondRun.outputs).toMatchObject({ state: 'resolved', merged: 'true' });
    expect(repo().issues.get(second)!.pull?.merged).toBe(true);
  });

  it('keeps one status comment over three re-runs, updated in place', async () => {
    const number = await incident();
    const dry = result({
      incident: number,
      mode: 'dry-run',
      outcome: 'skipped',
      reason: 'mode dry-run: the API server accepted 1 dry-run deletion(s); nothing changed',
      actions: [
        {
          verb: 'patch',
          object: 'shop/Deployment/api',
          dryRun: true,
          detail: 'rollout restart',
          diff: [
            'spec.template.metadata.annotations.kubectl.kubernetes.io/restartedAt: (none) → 2026-11-22T03:00:00.000Z',
          ],
        },
      ],
    });
    for (const playbook of ['image-pull', 'crash-loop', 'crash-loop'])
      expect((await report(number, workspace([{ ...dry, playbook }]))).exitCode).toBe(0);
    const comments = statusComments(number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('| crash-loop (dry-run) |');
    expect(comments[0]?.body).toMatch(
      /<details><summary>crash-loop: changes the API server accepted as a dry run<\/summary>/,
    );
    expect(labelsOf(number)).toContain('kubemend/dry-run');
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);
  });

  it('leaves one status comment when reports of parallel runs race to create it', async () => {
    const number = await incident();
    const ws = workspace([result({ incident: number, mode: 'dry-run', outcome: 'skipped' })]);
    const runs = await Promise.all(Array.from({ length: 4 }, () => report(number, ws)));
    expect(runs.every((r) => r.exitCode === 0)).toBe(true);
    expect(statusComments(number)).toHaveLength(1);
  });

  it('asks for a human when a playbook changed nothing, and moves the label from dry-run', async () => {
    const number = await incident();
    await report(
      number,
      workspace([result({ incident: number, mode: 'dry-run', outcome: 'skipped' })]),
    );
    const run = await report(
      number,
      workspace([
        result({
          incident: number,
          outcome: 'unchanged',
          reason: '5 of 5 pod(s) still cannot pull',
        }),
      ]),
    );
    expect(run.outputs).toMatchObject({ state: 'needs-human', merged: 'false' });
    expect(labelsOf(number)).toContain('kubemend/needs-human');
    expect(labelsOf(number)).not.toContain('kubemend/dry-run');
  });

  it('a storm refusal asks for a human even when another playbook resolved', async () => {
    const number = await incident();
    const run = await report(
      number,
      workspace([
        result({ incident: number }),
        result({
          incident: number,
          playbook: 'argocd',
          outcome: 'skipped',
          actions: [],
          decisions: [
            {
              guardrail: 'storm',
              allowed: false,
              reason: 'storm: 6 distinct incidents within 10m (limit 5)',
            },
          ],
        }),
      ]),
    );
    expect(run.outputs.state).toBe('needs-human');
    expect(statusComments(number)[0]?.body).toContain(
      'argocd: storm: storm: 6 distinct incidents within 10m',
    );
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);
  });

  it('when branch protection blocks the merge, enables auto-merge where the repository allows it, else says why', async () => {
    const first = await incident();
    repo().protections.set('main', {
      mergeBlockedMessage:
        'At least 1 approving review is required by reviewers with write access.',
    });
    const blocked = await report(first, workspace([result({ incident: first })]));
    expect(blocked.outputs.merged).toBe('false');
    expect(statusComments(first)[0]?.body).toMatch(
      /GitHub refused the merge \\\(At least 1 approving review is required.*\\\), and auto-merge could not be enabled/,
    );
    repo().allowAutoMerge = true;
    await report(first, workspace([result({ incident: first })]));
    expect(repo().issues.get(first)!.pull?.autoMerge).toEqual({
      method: 'squash',
      enabledBy: 'github-actions[bot]',
    });
    expect(statusComments(first)).toHaveLength(1);
    expect(statusComments(first)[0]?.body).toMatch(/auto-merge \\\(squash\\\) is enabled/);
  });

  it('closes an incident issue as completed once verified, and only then', async () => {
    const number = await incident('issue');
    await report(
      number,
      workspace([result({ incident: number, mode: 'dry-run', outcome: 'skipped' })]),
    );
    expect(repo().issues.get(number)!.state).toBe('open');
    const run = await report(number, workspace([result({ incident: number })]));
    expect(run.outputs).toMatchObject({ state: 'resolved', merged: 'true' });
    expect(repo().issues.get(number)).toMatchObject({ state: 'closed', stateReason: 'completed' });
  });

  it('never merges with report.merge off', async () => {
    const number = await incident();
    const run = await report(
      number,
      workspace([result({ incident: number })], 'report: { merge: off }\n'),
    );
    expect(run.outputs).toMatchObject({ state: 'resolved', merged: 'false' });
    expect(repo().issues.get(number)!.pull?.merged).toBe(false);
  });

  it('escapes hostile text from a result file and skips files that are not results, with a warning', async () => {
    const number = await incident();
    const ws = workspace([
      result({
        incident: number,
        outcome: 'failed',
        reason: '@octo-org/everyone <img src=x onerror=alert(1)> | broken | table ::error::pwned',
        findings: ['<!-- kubemend:status --> forged marker'],
      }),
    ]);
    writeFileSync(join(ws, 'kubemend-results', 'notes.json'), '{"hello": "world"}');
    const run = await report(number, ws);
    const body = statusComments(number)[0]?.body ?? '';
    expect(body).not.toMatch(/@octo-org/);
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;img');
    expect(body.match(/<!-- kubemend:status/g)).toHaveLength(1);
    expect(run.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: 'Skipped notes.json: not a kubemend result (version 1).',
      }),
    );
    expect(run.outputs.state).toBe('needs-human');
  });

  it('sends to the configured channels with the values from notify-secrets, masking every value and keeping the message id in the record', async () => {
    const discord = await startDiscordEmulator();
    try {
      const number = await incident();
      const config = [
        'notifications:',
        '  channels:',
        '    - { name: dev, type: discord, url-secret: KUBEMEND_DISCORD_URL }',
        '    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: C0OPS }',
      ].join('\n');
      const ws = workspace([result({ incident: number, outcome: 'unchanged' })], config);
      const secrets = {
        KUBEMEND_DISCORD_URL: discord.webhookUrl,
        KUBECONFIG: 'not-for-notifications-3f9a',
      };
      const run = await report(number, ws, {}, { 'notify-secrets': JSON.stringify(secrets) });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.state).toBe('needs-human');
      expect(discord.calls).toEqual(['execute']);
      expect(run.masks).toEqual(
        expect.arrayContaining([discord.webhookUrl, 'not-for-notifications-3f9a']),
      );
      const logs = run.logLines.join('\n');
      expect(logs).not.toContain(discord.webhookUrl);
      // The Slack channel's secret was not passed: the comment says so; the run succeeded.
      expect(statusComments(number)[0]?.body).toContain(
        '**Notifications**: slack channel "ops": not sent, the secret KUBEMEND\\_SLACK\\_BOT\\_TOKEN was not passed in notify-secrets.',
      );
      // The record keeps the message id: the next change of state edits it.
      await report(
        number,
        workspace([result({ incident: number })], config),
        {},
        {
          'notify-secrets': JSON.stringify(secrets),
        },
      );
      expect(discord.calls).toEqual(['execute', 'edit']);
      expect(discord.messages).toHaveLength(1);
    } finally {
      await discord.close();
    }
  });

  it('notifies the deprecated notify-webhook once per change of state, as a Slack incoming webhook with Block Kit, never quoting its URL', async () => {
    const tls = makeClusterTls('hooks');
    const posts: unknown[] = [];
    const hook = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(text));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const caFile = join(tmpdir(), `kubemend-hook-ca-${process.pid}.pem`);
    writeFileSync(caFile, Buffer.from(tls.caData, 'base64'));
    const url = `https://localhost:${(hook.address() as AddressInfo).port}/services/T000/B000/secretpart`;
    try {
      const number = await incident();
      const ws = workspace([result({ incident: number, outcome: 'unchanged' })]);
      const env = { NODE_EXTRA_CA_CERTS: caFile };
      const first = await report(number, ws, env, { 'notify-webhook': url });
      await report(number, ws, env, { 'notify-webhook': url });
      expect(posts).toHaveLength(1);
      expect(posts[0]).toMatchObject({
        text: `kubemend: #${number} Storefront down is needs-human`,
        blocks: expect.arrayContaining([expect.objectContaining({ type: 'header' })]),
        unfurl_links: false,
      });
      expect(first.masks).toContain(url);
      expect(first.logLines.join('\n')).not.toContain('secretpart');
    } finally {
      hook.close();
    }
  });
});
