// Slash commands on incidents, through the domain (src/commands/slash.ts) with the real
// Octokit client against the GitHub emulator, on incidents the bundled intake action
// opened: permission-gated, acknowledged, written into the record on the incident branch
// (and, for an issue, in its body); anyone else gets a polite reply and nothing changes.
import { dump } from 'js-yaml';
import { Octokit } from '@octokit/rest';
import { identityOf, recordPathOf } from '../../src/alerts/identity.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { parseConfig, type KubemendConfig } from '../../src/config/config.js';
import { findApproval } from '../../src/commands/approvals.js';
import { createGitHubClient } from '../../src/github/client.js';
import { readRecord } from '../../src/incidents/records.js';
import { handleSlash, parseSlash, type SlashOutcome } from '../../src/commands/slash.js';
import { applyCommand, controlsOf, LOG_LIMIT } from '../../src/incidents/controls.js';
import {
  newRecord,
  parseRecord,
  recordFromBody,
  serialiseRecord,
} from '../../src/incidents/record.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { dispatch, expectSuccess, REPOSITORY, TOKEN } from '../intake/support.js';

const TOKENS = {
  [TOKEN]: 'github-actions[bot]',
  'alice-token': 'alice',
  'mallory-token': 'mallory',
  'carol-token': 'carol',
  'dave-token': 'dave',
  'bot-token': 'renovate[bot]',
};
type Who = keyof typeof TOKENS;
const [OWNER, REPO] = REPOSITORY.split('/') as [string, string];
const NOW = Date.parse('2026-11-22T15:00:00Z');
const CONFIG = config({ commands: { users: ['carol'], teams: ['octo-org/sre'] } });
const PAYLOAD = {
  title: 'ImagePullBackOff in shop',
  cluster: 'lab',
  namespace: 'shop',
  message: 'Back-off pulling image',
};

let gh: GitHubEmulator;
const repo = () => gh.repo(REPOSITORY);

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000, tokens: TOKENS });
  repo().collaborators.set('alice', 'write');
  repo().collaborators.set('mallory', 'read');
  repo().teams.set('sre', new Set(['dave']));
});
afterEach(async () => {
  await gh.close();
});

function config(doc: unknown): KubemendConfig {
  return parseConfig(dump(doc), '.github/kubemend.yml');
}

/** The workflow's client, as the diagnose action builds it, for incident `number`. */
function target(number: number) {
  return {
    ...createGitHubClient({
      token: TOKEN,
      baseUrl: gh.url,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 1,
    }),
    owner: OWNER,
    repo: REPO,
    number,
  };
}

async function incident(mode: 'pr' | 'issue' = 'pr', payload: object = PAYLOAD): Promise<number> {
  const run = await dispatch(gh, payload, { mode });
  expectSuccess(run);
  return Number(run.outputs['incident-number']);
}

/** `who` comments `body` on the incident; the workflow then handles its issue_comment event. */
async function command(
  number: number,
  who: Who,
  body: string,
  options: { config?: KubemendConfig; gh?: ReturnType<typeof target> } = {},
): Promise<{ outcome: SlashOutcome | undefined; commentId: number }> {
  const { data: comment } = await new Octokit({
    auth: who,
    baseUrl: gh.url,
  }).rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: number, body });
  const outcome = await handleSlash(
    options.gh ?? target(number),
    options.config ?? CONFIG,
    { id: comment.id, body, login: TOKENS[who], isBot: TOKENS[who].endsWith('[bot]') },
    NOW,
  );
  return { outcome, commentId: comment.id };
}

/** The incident's record file on its branch, as the repository holds it now. */
function branchRecord(number: number) {
  const issue = repo().issues.get(number);
  const branch =
    issue?.pull?.headRef ??
    [...repo().refs.keys()]
      .map((r) => r.replace('refs/heads/', ''))
      .find((b) => b.startsWith('kubemend/'));
  if (!branch) throw new Error(`no branch for #${number}`);
  const path = recordPathOf(branch) ?? '';
  const text = repo().readFile(branch, path) ?? '';
  return { branch, path, text, head: repo().resolve(branch), record: parseRecord(text)! };
}
const replies = (n: number) =>
  repo()
    .commentsOn(n)
    .filter((c) => c.user === 'github-actions[bot]')
    .map((c) => c.body);
const mutationsSince = (seq: number) =>
  gh.log.filter((e) => e.seq > seq && e.mutation).map((e) => e.operationId);
const lastSeq = () => gh.log.at(-1)?.seq ?? 0;

describe('slash commands', () => {
  it('each command from a writer is acknowledged with a reaction and one reply, and written into the record', async () => {
    const n = await incident();
    const steps: [string, RegExp][] = [
      [
        '/kubemend snooze 2h',
        /^@alice: snoozed until 2026-11-22T17:00:00Z: kubemend runs no playbook for this incident until then/,
      ],
      ['/kubemend approve image-pull', /^@alice: approved the image-pull playbook for 24 hours/],
      ['Looks right.\n/kubemend approve', /^@alice: approved every playbook for 24 hours/],
      ['/kubemend retry', /^@alice: retry started: a `kubemend-retry` dispatch runs triage/],
      ['/kubemend autoclose off', /^@alice: autoclose off: the incident stays open/],
      ['/kubemend dry-run', /^@alice: dry-run: every playbook of this incident only shows/],
    ];
    for (const [i, [body, reply]] of steps.entries()) {
      const { outcome, commentId } = await command(n, 'alice-token', body);
      expect(outcome).toMatchObject({ allowed: true, recorded: true });
      expect(repo().reactions.get(commentId)).toEqual([
        { login: 'github-actions[bot]', content: '+1' },
      ]);
      expect(replies(n)).toHaveLength(i + 1);
      expect(replies(n)[i]).toMatch(reply);
      expect(outcome?.reply).toBe(replies(n)[i]);
      const { head } = branchRecord(n);
      expect(repo().git.commits.get(head!)?.message).toBe(
        `kubemend: /kubemend ${outcome?.verb} by alice`,
      );
    }
    const at = '2026-11-22T15:00:00Z';
    expect(controlsOf(branchRecord(n).record)).toEqual({
      snoozedUntil: '2026-11-22T17:00:00Z',
      autoclose: false,
      dryRun: true,
      retryRequestedAt: at,
      approvals: [
        { playbook: 'image-pull', by: 'alice', at },
        { playbook: null, by: 'alice', at },
      ],
      log: [
        { verb: 'snooze', arg: '2026-11-22T17:00:00Z', by: 'alice', at },
        { verb: 'approve', arg: 'image-pull', by: 'alice', at },
        { verb: 'approve', arg: null, by: 'alice', at },
        { verb: 'retry', arg: null, by: 'alice', at },
        { verb: 'autoclose', arg: 'off', by: 'alice', at },
        { verb: 'dry-run', arg: null, by: 'alice', at },
      ],
    });
    // The stages that honour the commands read the same record.
    expect(controlsOf((await readRecord(target(n)))!).dryRun).toBe(true);
    // Each command is a line of the incident's timeline; the snooze is also its state and label.
    const { record } = branchRecord(n);
    expect(
      record.timeline.entries.filter((e) => e.stage === 'command').map((e) => e.summary),
    ).toEqual([
      'alice: /kubemend snooze 2026-11-22T17:00:00Z',
      'alice: /kubemend approve image-pull',
      'alice: /kubemend approve',
      'alice: /kubemend retry',
      'alice: /kubemend autoclose off',
      'alice: /kubemend dry-run',
    ]);
    expect(record).toMatchObject({ state: 'snoozed', stateSince: at });
    expect(repo().issues.get(n)?.labels).toContain('kubemend/snoozed');
    expect(repo().issues.get(n)?.labels).not.toContain('kubemend/firing');
    expect(repo().issues.get(n)?.body).toMatch(
      /^\| State \| snoozed since 2026-11-22T15:00:00Z \|$/m,
    );
  });

  it('a command from someone without write access changes nothing; only a polite reply is added', async () => {
    const n = await incident();
    const before = branchRecord(n);
    const body = repo().issues.get(n)?.body;
    const seq = lastSeq();
    const { outcome, commentId } = await command(n, 'mallory-token', '/kubemend snooze 4h');
    expect(outcome).toMatchObject({ verb: 'snooze', allowed: false, recorded: false });
    const after = branchRecord(n);
    expect(after.text).toBe(before.text);
    expect(after.head).toBe(before.head);
    expect(repo().issues.get(n)?.body).toBe(body);
    expect(repo().reactions.get(commentId)).toBeUndefined();
    expect(replies(n)).toEqual([
      '@mallory, only people with write access to this repository (or named in `commands.users` or `commands.teams` of the kubemend config) can run `/kubemend snooze`; nothing was read or changed.',
    ]);
    // The only write: the reply (mallory's own comment came before `seq`'s successor).
    expect(mutationsSince(seq)).toEqual(['issues/create-comment', 'issues/create-comment']);
  });

  it('a user named in commands.users and an active member of a team in commands.teams may', async () => {
    const n = await incident();
    expect((await command(n, 'carol-token', '/kubemend approve image-pull')).outcome).toMatchObject(
      { allowed: true, recorded: true },
    );
    expect((await command(n, 'dave-token', '/kubemend autoclose off')).outcome).toMatchObject({
      allowed: true,
      recorded: true,
    });
    const controls = controlsOf(branchRecord(n).record);
    expect(controls.approvals).toEqual([
      expect.objectContaining({ playbook: 'image-pull', by: 'carol' }),
    ]);
    expect(controls.autoclose).toBe(false);
    // Without the config naming them, the same two are refused.
    const none = config({});
    expect(
      (await command(n, 'carol-token', '/kubemend retry', { config: none })).outcome,
    ).toMatchObject({ allowed: false });
    expect(
      (await command(n, 'dave-token', '/kubemend retry', { config: none })).outcome,
    ).toMatchObject({ allowed: false });
    expect(controlsOf(branchRecord(n).record).retryRequestedAt).toBeNull();
  });

  it('mode approve takes an approval recorded for someone named in commands.users', async () => {
    const n = await incident();
    const scope = { ...target(n), incident: n };
    expect(await findApproval(scope, 'image-pull', NOW, CONFIG.commands)).toMatchObject({
      approved: false,
    });
    await command(n, 'carol-token', '/kubemend approve image-pull');
    expect(await findApproval(scope, 'image-pull', NOW + 60_000, CONFIG.commands)).toEqual({
      approved: true,
      by: 'carol',
      at: '2026-11-22T15:00:00Z',
    });
    expect(await findApproval(scope, 'oom', NOW + 60_000, CONFIG.commands)).toMatchObject({
      approved: false,
    });
    // 24 hours on, the approval has lapsed.
    expect(
      await findApproval(scope, 'image-pull', NOW + 25 * 3_600_000, CONFIG.commands),
    ).toMatchObject({
      approved: false,
    });
  });

  it('an approval the record holds is taken without listing the comments: the approve run makes fewer requests', async () => {
    const n = await incident();
    const scope = { ...target(n), incident: n };
    const { commentId } = await command(n, 'carol-token', '/kubemend approve image-pull');
    const record = (await readRecord(target(n)))!;
    const { data: comment } = await scope.octokit.rest.issues.getComment({
      owner: OWNER,
      repo: REPO,
      comment_id: commentId,
    });
    const asked = async (known: typeof record, now: number) => {
      const seq = lastSeq();
      const approval = await findApproval(scope, 'image-pull', now, CONFIG.commands, known);
      return { approval, requests: gh.log.filter((e) => e.seq > seq).map((e) => e.operationId) };
    };
    const fromRecord = await asked(record, NOW + 60_000);
    expect(fromRecord.approval).toMatchObject({ approved: true, by: 'carol' });
    expect(fromRecord.requests).not.toContain('issues/list-comments');
    // A record without it (no comment workflow recorded it): the comment is read instead.
    const fromComment = await asked(
      { ...record, controls: undefined },
      Date.parse(comment.created_at) + 60_000,
    );
    expect(fromComment.approval).toMatchObject({ approved: true, by: 'carol' });
    expect(fromComment.requests).toContain('issues/list-comments');
    expect(fromRecord.requests.length).toBeLessThan(fromComment.requests.length);
  });

  it("a command on a pull request reads the incident once: its body names the record's branch", async () => {
    const n = await incident();
    const seq = lastSeq();
    await command(n, 'alice-token', '/kubemend dry-run');
    const reads = gh.log
      .filter((e) => e.seq > seq && ['issues/get', 'pulls/get'].includes(e.operationId ?? ''))
      .map((e) => e.operationId);
    expect(reads).toEqual(['issues/get']);
    expect(controlsOf(branchRecord(n).record).dryRun).toBe(true);
  });

  it("a team member is refused, and told why, when the token may not read the organisation's teams", async () => {
    const n = await incident();
    gh.inject('teams/get-membership-for-user-in-org', {
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const before = branchRecord(n);
    const { outcome } = await command(n, 'dave-token', '/kubemend dry-run');
    expect(outcome).toMatchObject({ allowed: false, recorded: false });
    expect(replies(n)).toEqual([
      expect.stringMatching(
        /nothing was read or changed\. \(the workflow's token could not read the membership of `octo-org\/sre`: it needs read access to the organisation's teams\)$/,
      ),
    ]);
    expect(branchRecord(n).text).toBe(before.text);
  });

  it('a malformed command gets the one-line usage and changes nothing', async () => {
    const n = await incident();
    const before = branchRecord(n);
    for (const body of [
      '/kubemend snooze forever',
      '/kubemend snooze 8d',
      '/kubemend snooze 0m',
      '/kubemend autoclose maybe',
      '/kubemend retry now',
    ])
      expect((await command(n, 'alice-token', body)).outcome).toMatchObject({ recorded: false });
    expect(branchRecord(n).text).toBe(before.text);
    expect(branchRecord(n).head).toBe(before.head);
    const got = replies(n);
    expect(got).toHaveLength(5);
    expect(got[0]).toBe(
      '@alice, Usage: `/kubemend snooze <duration>`, e.g. `30m`, `4h` or `2d` (at most 7d). Nothing was changed.',
    );
    expect(got[3]).toBe(
      '@alice, Usage: `/kubemend autoclose on` or `/kubemend autoclose off`. Nothing was changed.',
    );
    for (const reply of got) expect(reply.split('\n')).toHaveLength(1);
  });

  it('hostile text in a command is refused without being echoed', async () => {
    const n = await incident();
    const before = branchRecord(n);
    const hostile = [
      '/kubemend approve <img src=x onerror=alert(1)>',
      '/kubemend approve ../../etc/passwd',
      '/kubemend snooze 4h @everyone',
      '/kubemend <script>alert(1)</script>',
      '/kubemend constructor',
      '/kubemend toString',
      '/kubemend __proto__',
    ];
    for (const body of hostile) {
      const { outcome, commentId } = await command(n, 'alice-token', body);
      expect(outcome).toMatchObject({ recorded: false });
      expect(repo().reactions.get(commentId)).toBeUndefined();
    }
    expect(branchRecord(n).text).toBe(before.text);
    const got = replies(n);
    expect(got).toHaveLength(hostile.length);
    for (const reply of got) {
      expect(reply).not.toMatch(/<img|<script|passwd|@everyone|constructor|toString|__proto__/);
      expect(reply).toMatch(/^@alice, (Usage|Unknown command)/);
    }
  });

  it("a bot's command gets no reply and changes nothing", async () => {
    const n = await incident();
    const before = branchRecord(n);
    const seq = lastSeq();
    const { outcome, commentId } = await command(n, 'bot-token', '/kubemend retry');
    expect(outcome).toBeUndefined();
    expect(replies(n)).toEqual([]);
    expect(repo().reactions.get(commentId)).toBeUndefined();
    expect(branchRecord(n).text).toBe(before.text);
    expect(mutationsSince(seq)).toEqual(['issues/create-comment']); // the bot's own comment
  });

  it('a comment without a command is left alone', async () => {
    const n = await incident();
    const seq = lastSeq();
    const { outcome } = await command(n, 'alice-token', 'We saw /kubemend snooze 4h in the docs.');
    expect(outcome).toBeUndefined();
    expect(mutationsSince(seq)).toEqual(['issues/create-comment']);
  });

  it("in issue mode the record is updated on the incident branch and in place in the issue's body, and the next repeat keeps it", async () => {
    const n = await incident('issue');
    const before = repo().issues.get(n)?.body ?? '';
    const [head, tail] = before.split('<details><summary>Incident record</summary>');
    await command(n, 'alice-token', '/kubemend dry-run');
    const body = repo().issues.get(n)?.body ?? '';
    expect(controlsOf(recordFromBody(body)!).dryRun).toBe(true);
    expect(controlsOf(branchRecord(n).record).dryRun).toBe(true);
    // Only the record block changed; the summary above it is as intake rendered it.
    expect(body.split('<details><summary>Incident record</summary>')[0]).toBe(head);
    expect(body).not.toBe(before);
    expect(tail).toBeDefined();

    // A repeat that changes the status re-renders the body from the branch's record.
    expectSuccess(await dispatch(gh, { ...PAYLOAD, status: 'resolved' }, { mode: 'issue' }));
    const rerendered = repo().issues.get(n)?.body ?? '';
    expect(recordFromBody(rerendered)?.status).toBe('resolved');
    expect(controlsOf(recordFromBody(rerendered)!).dryRun).toBe(true);
    expect(controlsOf((await readRecord(target(n)))!).dryRun).toBe(true);
  });

  it('a command racing a repeat of the alert keeps both: the record is written by compare-and-swap', async () => {
    const n = await incident();
    const client = target(n);
    let raced = false;
    client.octokit.hook.before('request', async (options) => {
      if (raced || options.method !== 'PUT' || !String(options.url).includes('/contents/')) return;
      raced = true;
      // A repeat of the alert is counted between the command's read and its write.
      expectSuccess(await dispatch(gh, PAYLOAD));
    });
    const { outcome } = await command(n, 'alice-token', '/kubemend snooze 30m', { gh: client });
    expect(raced).toBe(true);
    expect(outcome).toMatchObject({ recorded: true });
    const { record } = branchRecord(n);
    expect(record.occurrences).toBe(2);
    expect(controlsOf(record).snoozedUntil).toBe('2026-11-22T15:30:00Z');
  });

  it('a command on an incident whose branch now carries another incident changes nothing there', async () => {
    const n = await incident();
    // As after a merge and a recurrence: the branch's record belongs to a later incident.
    const { branch, path, record } = branchRecord(n);
    const { data: file } = await target(n).octokit.rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path,
      ref: branch,
    });
    await target(n).octokit.rest.repos.createOrUpdateFileContents({
      owner: OWNER,
      repo: REPO,
      path,
      branch,
      sha: (file as { sha: string }).sha,
      message: 'recurrence',
      content: Buffer.from(
        serialiseRecord({ ...record, incident: { ...record.incident!, number: n + 100 } }),
      ).toString('base64'),
    });
    const before = branchRecord(n);
    const { outcome } = await command(n, 'alice-token', '/kubemend snooze 1d');
    expect(outcome).toMatchObject({ allowed: true, recorded: false });
    expect(branchRecord(n).text).toBe(before.text);
    expect(replies(n)).toEqual([
      `@alice, #${n} holds no kubemend incident record, so \`/kubemend snooze\` has nothing to act on; nothing was changed.`,
    ]);
  });
});

describe('/kubemend retry', () => {
  it("starts the run it promises: a kubemend-retry dispatch, which intake answers with the incident's alert and counts nothing", async () => {
    const n = await incident();
    const before = branchRecord(n);
    await command(n, 'alice-token', '/kubemend retry');
    expect(repo().dispatches).toEqual([
      {
        eventType: 'kubemend-retry',
        clientPayload: { incident: n },
        sender: 'github-actions[bot]',
      },
    ]);
    // The alert workflow answers the dispatch: the bundled intake, then triage.
    const run = await dispatch(gh, repo().dispatches[0]?.clientPayload, {
      eventType: 'kubemend-retry',
    });
    expectSuccess(run);
    expect(run.outputs['incident-number']).toBe(String(n));
    expect(run.outputs.action).toBe('retried');
    const alerts = JSON.parse(run.outputs.alerts ?? '[]') as { title: string; namespace: string }[];
    expect(alerts).toEqual([expect.objectContaining({ title: PAYLOAD.title, namespace: 'shop' })]);
    expect(JSON.parse(run.outputs.incidents ?? '[]')).toEqual([
      expect.objectContaining({ number: n, key: before.record.key, action: 'retried' }),
    ]);
    // Nothing was counted: the record holds one occurrence, and the retry in its log.
    expect(branchRecord(n).record.occurrences).toBe(before.record.occurrences);
    expect(controlsOf(branchRecord(n).record).log.map((e) => e.verb)).toEqual(['retry']);
  });

  it('from someone without permission starts nothing', async () => {
    const n = await incident();
    await command(n, 'mallory-token', '/kubemend retry');
    expect(repo().dispatches).toEqual([]);
  });

  it('says so when no run could be started, and promises none', async () => {
    const n = await incident();
    gh.inject('repos/create-dispatch-event', {
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const { outcome } = await command(n, 'alice-token', '/kubemend retry');
    expect(outcome?.reply).toMatch(
      /^@alice: retry recorded, but no run could be started \(GitHub API POST \/repos\/octo-org\/gitops\/dispatches failed with 403.*\); the workflow answering this comment needs `contents: write` to dispatch\. Re-run/,
    );
    expect(repo().dispatches).toEqual([]);
  });

  it('of an incident that is gone, or of a number that is not one, fails intake in one line', async () => {
    const bad = await dispatch(gh, { incident: 'x' }, { eventType: 'kubemend-retry' });
    expect(bad.exitCode).toBe(1);
    expect(bad.annotations.map((a) => a.message)).toEqual([
      'client_payload.incident of the kubemend-retry dispatch is not an incident number; allowed: the number of an open kubemend incident.',
    ]);
    const { data: issue } = await new Octokit({
      auth: 'alice-token',
      baseUrl: gh.url,
    }).rest.issues.create({
      owner: OWNER,
      repo: REPO,
      title: 'not an incident',
    });
    const none = await dispatch(gh, { incident: issue.number }, { eventType: 'kubemend-retry' });
    expect(none.annotations.map((a) => a.message)).toEqual([
      `#${issue.number} holds no kubemend incident record: nothing to retry (retry is for incidents intake opened).`,
    ]);
  });
});

describe('parsing a command', () => {
  const parse = (body: string) => parseSlash(body, NOW);

  it('reads the first /kubemend line, and nothing from a comment without one', () => {
    expect(parse('Thanks!\n  /kubemend retry  \n/kubemend dry-run')).toEqual({
      verb: 'retry',
      arg: null,
    });
    expect(parse('> /kubemend retry\nquoted, not said')).toBeUndefined();
    expect(parse('/kubemendretry')).toBeUndefined();
    expect(parse('/kubemend diagnose')).toEqual({ verb: 'diagnose', arg: null });
    expect(parse('/kubemend')).toMatchObject({ error: expect.stringMatching(/^Unknown command/) });
  });

  it('takes durations up to seven days, and the playbooks the project names', () => {
    expect(parse('/kubemend snooze 7d')).toEqual({ verb: 'snooze', arg: '2026-11-29T15:00:00Z' });
    expect(parse('/kubemend snooze 168h')).toEqual({ verb: 'snooze', arg: '2026-11-29T15:00:00Z' });
    expect(parse('/kubemend snooze 169h')).toHaveProperty('error');
    expect(parse('/kubemend snooze 30m')).toEqual({ verb: 'snooze', arg: '2026-11-22T15:30:00Z' });
    expect(parse('/kubemend snooze 1h 30m')).toEqual({
      verb: 'snooze',
      arg: '2026-11-22T16:30:00Z',
    });
    expect(parse('/kubemend snooze 0m')).toHaveProperty('error');
    expect(parse('/kubemend snooze -1h')).toHaveProperty('error');
    expect(parse('/kubemend approve oom')).toEqual({ verb: 'approve', arg: 'oom' });
    expect(parse('/kubemend approve OOM')).toHaveProperty('error');
    expect(parse('/kubemend approve oom crash-loop')).toHaveProperty('error');
    expect(parse('/kubemend autoclose on')).toEqual({ verb: 'autoclose', arg: 'on' });
  });
});

describe('the controls in the record', () => {
  const alerts = normalisePayload(PAYLOAD, { cluster: undefined });
  const record = newRecord(identityOf(alerts[0]!), alerts, '2026-11-22T14:00:00Z');

  it('round-trip through the record file; a record without them reads as the defaults', () => {
    expect(parseRecord(serialiseRecord(record))).toEqual(record);
    expect(controlsOf(parseRecord(serialiseRecord(record))!)).toEqual({
      snoozedUntil: null,
      autoclose: null,
      dryRun: false,
      retryRequestedAt: null,
      approvals: [],
      log: [],
    });
    const controls = applyCommand(
      controlsOf(record),
      { verb: 'autoclose', arg: 'on' },
      'alice',
      '2026-11-22T15:00:00Z',
    );
    const withControls = { ...record, controls };
    expect(parseRecord(serialiseRecord(withControls))).toEqual(withControls);
  });

  it('keep the log to the last twenty commands', () => {
    let controls = controlsOf(record);
    for (let i = 0; i < 25; i++)
      controls = applyCommand(
        controls,
        { verb: 'retry', arg: null },
        `u${i}`,
        `2026-11-22T15:${10 + i}:00Z`,
      );
    expect(controls.log).toHaveLength(LOG_LIMIT);
    expect(controls.log[0]?.by).toBe('u5');
    expect(controlsOf(parseRecord(serialiseRecord({ ...record, controls }))!).log).toHaveLength(20);
  });

  it('of the wrong shape read as defaults, entry by entry, and never break the record', () => {
    const text = serialiseRecord(record);
    const bad = (controls: string) => parseRecord(`${text}controls: ${controls}\n`);
    expect(bad('5')).toBeDefined();
    expect(bad('5')).not.toHaveProperty('controls');
    expect(bad('[1, 2]')).not.toHaveProperty('controls');
    expect(
      bad(
        '{snoozedUntil: 12, autoclose: "yes", dryRun: "true", retryRequestedAt: not-a-time, approvals: [1, {by: alice, at: "2026-11-22T15:00:00Z"}, {by: 3, at: x}], log: {a: 1}}',
      )?.controls,
    ).toEqual({
      snoozedUntil: null,
      autoclose: null,
      dryRun: false,
      retryRequestedAt: null,
      approvals: [{ playbook: null, by: 'alice', at: '2026-11-22T15:00:00Z' }],
      log: [],
    });
    expect(
      bad(
        '{log: [{verb: toString, by: alice, at: "2026-11-22T15:00:00Z"}, {verb: retry, by: alice, at: "2026-11-22T15:00:00Z"}]}',
      )?.controls?.log,
    ).toEqual([{ verb: 'retry', arg: null, by: 'alice', at: '2026-11-22T15:00:00Z' }]);
  });

  it('an incident branch names its record file', () => {
    const identity = identityOf(alerts[0]!);
    expect(recordPathOf(identity.branch)).toBe(identity.recordPath);
    expect(recordPathOf('kubemend/fix/abc')).toBeUndefined();
    expect(recordPathOf('main')).toBeUndefined();
  });
});

describe('the commands config', () => {
  it('defaults to nobody beyond write access, and names the field of a bad entry', () => {
    expect(config({}).commands).toEqual({ users: [], teams: [] });
    expect(() => config({ commands: { teams: ['sre'] } })).toThrow(/commands\.teams/);
    expect(() => config({ commands: { users: 'carol' } })).toThrow(/commands\.users/);
    expect(() => config({ commands: { admins: ['carol'] } })).toThrow(/commands/);
  });
});
