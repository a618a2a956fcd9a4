// Slash commands on incidents, through the bundled diagnose action as the runner runs it
// on issue_comment events, against the GitHub emulator: permission-gated (write access,
// `commands.users`, `commands.teams`), acknowledged, and written into the record; anyone
// else gets a polite reply and nothing changes.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { dump } from 'js-yaml';
import { controlsOf } from '../../src/incidents/controls.js';
import { parseRecord, recordFromBody } from '../../src/incidents/record.js';
import { events } from '../../src/sim/github/events.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';
import { dispatch, PACE, REPOSITORY, TOKEN } from '../intake/support.js';

const TOKENS = {
  [TOKEN]: 'github-actions[bot]',
  'alice-token': 'alice',
  'mallory-token': 'mallory',
  'carol-token': 'carol',
  'dave-token': 'dave',
  'bot-token': 'renovate[bot]',
};
let gh: GitHubEmulator;
let kube: KubeEmulator;
const repo = () => gh.repo(REPOSITORY);
const as = (token: keyof typeof TOKENS) => new Octokit({ auth: token, baseUrl: gh.url });

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000, tokens: TOKENS });
  kube = await new KubeEmulator().listen();
  repo().collaborators.set('alice', 'write');
  repo().collaborators.set('mallory', 'read');
  repo().teams.set('sre', new Set(['dave']));
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-commands-'));
  mkdirSync(join(dir, '.github'));
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({ commands: { users: ['carol'], teams: ['octo-org/sre'] } }),
  );
  return dir;
}

async function incident(mode: 'pr' | 'issue' = 'pr'): Promise<number> {
  const run = await dispatch(
    gh,
    { title: 'ImagePullBackOff in shop', cluster: 'lab', namespace: 'shop', message: 'x' },
    { mode },
  );
  return Number(run.outputs['incident-number']);
}

/** The comment as the user writes it, then the run its issue_comment event starts. */
async function command(
  number: number,
  token: keyof typeof TOKENS,
  body: string,
): Promise<{ run: ActionRun; commentId: number }> {
  const { data: comment } = await as(token).rest.issues.createComment({
    owner: 'octo-org',
    repo: 'gitops',
    issue_number: number,
    body,
  });
  const payload = events.issueCommentCreated(
    REPOSITORY,
    { number, title: '', body: '' },
    { body, login: TOKENS[token], id: comment.id },
  ) as { comment: { user: { type?: string } } };
  if (TOKENS[token].endsWith('[bot]')) payload.comment.user.type = 'Bot';
  const run = await runAction('diagnose', {
    inputs: { kubeconfig: kube.kubeconfig() },
    event: { name: 'issue_comment', payload },
    repository: REPOSITORY,
    apiUrl: gh.url,
    githubToken: TOKEN,
    workspace: workspace(),
    env: PACE,
  });
  expect(run.exitCode).toBe(0);
  return { run, commentId: comment.id };
}

/** The record on the incident branch, and the branch's head. */
function recordOnBranch(number: number) {
  const branch = repo().issues.get(number)?.pull?.headRef ?? '';
  const tree = repo().git.commits.get(repo().resolve(branch)!)!.tree;
  const path = [...repo().git.files(tree).keys()].find((p) => p.startsWith('alerts/incoming/'))!;
  const text = repo().readFile(branch, path) ?? '';
  return { text, head: repo().resolve(branch), record: parseRecord(text)! };
}
const replies = (n: number) =>
  repo()
    .commentsOn(n)
    .filter((c) => c.user === 'github-actions[bot]');

describe('slash commands', () => {
  it('a writer snoozes: acknowledged with a reaction and one reply, and written into the record', async () => {
    const n = await incident();
    const { commentId } = await command(n, 'alice-token', '/kubemend snooze 4h');
    const { record } = recordOnBranch(n);
    expect(controlsOf(record).snoozedUntil).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(controlsOf(record).log).toEqual([
      expect.objectContaining({ verb: 'snooze', by: 'alice' }),
    ]);
    expect(repo().reactions.get(commentId)).toEqual([
      { login: 'github-actions[bot]', content: '+1' },
    ]);
    expect(replies(n).map((c) => c.body)).toEqual([
      expect.stringMatching(
        /^@alice: snoozed until \S+: kubemend runs no playbook for this incident until then/,
      ),
    ]);
    const head = repo().git.commits.get(recordOnBranch(n).head!)!;
    expect(head.message).toBe('kubemend: /kubemend snooze by alice');
  });

  it('someone without write access gets a polite reply, and nothing else changes', async () => {
    const n = await incident();
    const before = recordOnBranch(n);
    const { commentId } = await command(n, 'mallory-token', '/kubemend autoclose off');
    const after = recordOnBranch(n);
    expect(after.text).toBe(before.text);
    expect(after.head).toBe(before.head);
    expect(repo().reactions.get(commentId)).toBeUndefined();
    expect(replies(n).map((c) => c.body)).toEqual([
      '@mallory, only people with write access to this repository (or named in `commands.users` or `commands.teams` of the kubemend config) can run `/kubemend autoclose`; nothing was read or changed.',
    ]);
  });

  it('a user named in commands.users and a member of a team in commands.teams may', async () => {
    const n = await incident();
    await command(n, 'carol-token', '/kubemend approve image-pull');
    await command(n, 'dave-token', '/kubemend autoclose off');
    const controls = controlsOf(recordOnBranch(n).record);
    expect(controls.approvals).toEqual([
      expect.objectContaining({ playbook: 'image-pull', by: 'carol' }),
    ]);
    expect(controls.autoclose).toBe(false);
  });

  it('a malformed command gets the usage line and changes nothing; hostile text is never echoed', async () => {
    const n = await incident();
    const before = recordOnBranch(n);
    await command(n, 'alice-token', '/kubemend snooze forever');
    await command(n, 'alice-token', '/kubemend approve <img src=x onerror=alert(1)>');
    expect(recordOnBranch(n).text).toBe(before.text);
    expect(replies(n).map((c) => c.body)).toEqual([
      '@alice, Usage: `/kubemend snooze <duration>`, e.g. `30m`, `4h` or `2d` (at most 7d). Nothing was changed.',
      expect.stringMatching(
        /^@alice, Usage: `\/kubemend approve` or `\/kubemend approve <playbook>` \(one of image-pull, /,
      ),
    ]);
    expect(replies(n).some((c) => c.body.includes('<img'))).toBe(false);
  });

  it("a bot's comment gets no reply", async () => {
    const n = await incident();
    await command(n, 'bot-token', '/kubemend retry');
    expect(replies(n)).toEqual([]);
  });

  it("in issue mode the record in the issue's body is updated in place", async () => {
    const n = await incident('issue');
    const before = repo().issues.get(n)!.body ?? '';
    await command(n, 'alice-token', '/kubemend dry-run');
    const body = repo().issues.get(n)!.body ?? '';
    expect(controlsOf(recordFromBody(body)!).dryRun).toBe(true);
    // Only the record block changed.
    expect(body.split('<details><summary>Incident record</summary>')[0]).toBe(
      before.split('<details><summary>Incident record</summary>')[0],
    );
  });
});
