// Report's notifications, in process (the function the report action's index.ts calls),
// with the real Octokit against the GitHub emulator and the real channel clients against
// the local receivers: one Slack message per incident updated in place across runs (its
// reference kept in the incident record), a Discord message edited by its id, routes by
// severity, quiet hours read from GitHub's clock, and a failing channel that the status
// comment names while the run goes on.
import { parseConfig } from '../../src/config/config.js';
import { incidentRecord } from '../../src/incidents/records.js';
import type { RemediationResult } from '../../src/remediation/result.js';
import { report } from '../../src/report/stage.js';
import type { Notifier } from '../../src/report/notify.js';
import { startDiscordEmulator, type DiscordEmulator } from '../../src/sim/notify/discord.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sim/notify/slack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sim/notify/webhook.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { githubClient, recordOf, REPOSITORY, seedIncident } from '../sweep/support.js';

// 03:00 UTC: inside quiet hours of 22:00 to 07:00 UTC.
const NIGHT = Date.parse('2026-11-22T03:00:00Z');
const DAY = Date.parse('2026-11-22T12:00:00Z');
const SIGNING_KEY = 'whsec_test_signing_key_0123456789';

let gh: GitHubEmulator;
let slack: SlackEmulator;
let discord: DiscordEmulator;
let hook: WebhookReceiver;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(DAY);
  slack = await startSlackEmulator();
  discord = await startDiscordEmulator();
  // The receiver's clock is GitHub's, as the signature's timestamp is.
  hook = await startWebhookReceiver({ secret: SIGNING_KEY, now: () => gh.clock.now() });
});
afterEach(async () => {
  await Promise.all([gh.close(), slack.close(), discord.close(), hook.close()]);
});

const CHANNELS = `
notifications:
  channels:
    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: '#incidents', mention: S0ONCALL }
    - { name: dev, type: discord, url-secret: KUBEMEND_DISCORD_URL }
    - { name: audit, type: webhook, url-secret: KUBEMEND_HOOK_URL, signing-secret: KUBEMEND_HOOK_KEY }
`;

function notifier(yaml: string, secrets: Record<string, string> = {}): Notifier {
  return {
    config: parseConfig(yaml, 'k.yml').notifications,
    secrets: {
      KUBEMEND_SLACK_BOT_TOKEN: slack.token,
      KUBEMEND_DISCORD_URL: discord.webhookUrl,
      KUBEMEND_HOOK_URL: hook.url,
      KUBEMEND_HOOK_KEY: SIGNING_KEY,
      ...secrets,
    },
    slackApiUrl: slack.apiUrl,
    timeoutMs: 5_000,
  };
}

/** An open issue incident, firing, as intake leaves it. */
function incident(severity = 'critical', cluster = 'prod-eu-1'): number {
  return seedIncident(
    gh,
    recordOf(
      {
        title: 'Storefront down',
        cluster,
        status: 'firing',
        severity,
        namespace: 'shop',
        resource: 'storefront-7d9f8b6c4-xk2pq',
      },
      gh.clock.now() - 60_000,
    ),
    'issue',
  );
}

/** A verified fix: the incident resolves (and closes). */
function resolved(number: number): RemediationResult {
  return {
    version: 1,
    playbook: 'image-pull',
    category: 'image-pull',
    incident: number,
    cluster: 'prod-eu-1',
    mode: 'auto',
    targets: { cluster: 'prod-eu-1', namespace: 'shop' },
    identity: { status: 'confirmed', matched: ['server', 'kube-system-uid'] },
    findings: [],
    decisions: [],
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
    requests: 3,
    durations: { totalMs: 1000, verifyMs: 500 },
  };
}

/** A dry run that changed nothing: the incident is in dry-run. */
function dryRun(number: number): RemediationResult {
  return {
    ...resolved(number),
    mode: 'dry-run',
    actions: [],
    outcome: 'skipped',
    reason: 'dry run: 5 pod(s) would be deleted',
  };
}

/** An action that holds the problem back: the incident is acting. */
function contained(number: number): RemediationResult {
  return { ...resolved(number), outcome: 'contained', reason: 'the stuck pods were deleted' };
}

const labelsOf = (number: number): string[] => gh.repo(REPOSITORY).issues.get(number)!.labels;

/** One report run; no results means nothing ran, which asks a person (needs-human). */
function run(number: number, notify: Notifier, results: RemediationResult[] = []) {
  return report({
    github: { ...githubClient(gh), number },
    config: parseConfig('', 'k.yml'),
    results,
    skipped: [],
    notify,
    runUrl: undefined,
  });
}

const statusComment = (number: number): string =>
  [...gh.repo(REPOSITORY).comments.values()]
    .filter((c) => c.issueNumber === number && c.body.includes('kubemend:status'))
    .map((c) => c.body)[0] ?? '';

async function storedMessages(number: number) {
  const { file } = await incidentRecord({ ...githubClient(gh), number });
  return file?.record.messages;
}

describe('report notifications', () => {
  it('posts one Slack message per incident and updates it in place on the next change of state, its reference kept in the record', async () => {
    const number = incident();
    const notify = notifier(`
notifications:
  channels:
    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: '#incidents', mention: S0ONCALL }
`);
    const first = await run(number, notify);
    expect(first.state).toBe('needs-human');
    const refs = await storedMessages(number);
    expect(refs).toEqual({
      ops: { slack: { channel: 'C0KUBEMEND', ts: expect.stringMatching(/^\d+\.\d+$/) } },
    });

    // Same state again: no notice at all.
    await run(number, notify);
    expect(slack.calls).toEqual(['chat.postMessage']);

    const second = await run(number, notify, [resolved(number)]);
    expect(second.state).toBe('resolved');
    expect(slack.calls).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const top = slack.messages.filter((m) => !m.thread_ts);
    expect(top).toHaveLength(1);
    expect(top[0]).toMatchObject({ ts: refs!.ops!.slack!.ts, updates: 1 });
    expect(top[0]!.text).toBe(`kubemend: #${number} Storefront down is resolved`);
    expect(
      slack.messages.filter((m) => m.thread_ts === refs!.ops!.slack!.ts).map((m) => m.text),
    ).toEqual(['needs-human → resolved: every playbook verified the problem gone on the cluster']);
    expect(await storedMessages(number)).toEqual(refs);
    expect(statusComment(number)).not.toContain('Notifications');
  });

  it('edits the Discord message by its id on the next change of state', async () => {
    const number = incident();
    const notify = notifier(`
notifications:
  channels:
    - { name: dev, type: discord, url-secret: KUBEMEND_DISCORD_URL }
`);
    await run(number, notify);
    const refs = await storedMessages(number);
    expect(refs).toEqual({ dev: { discord: { messageId: discord.messages[0]!.id } } });
    await run(number, notify, [resolved(number)]);
    expect(discord.calls).toEqual(['execute', 'edit']);
    expect(discord.messages).toHaveLength(1);
    expect(discord.messages[0]).toMatchObject({ id: refs!.dev!.discord!.messageId, edits: 1 });
    expect(discord.messages[0]!.embeds[0]).toMatchObject({
      fields: expect.arrayContaining([{ name: 'State', value: 'resolved', inline: true }]),
    });
  });

  it('says in the status comment which channel failed and why, and the run succeeds', async () => {
    const number = incident();
    discord.fail({ status: 500 });
    const notify = notifier(CHANNELS, { KUBEMEND_SLACK_BOT_TOKEN: '' });
    const outcome = await run(number, notify);
    expect(outcome.state).toBe('needs-human');
    const comment = statusComment(number);
    // Markdown-escaped, as every line the comment quotes.
    expect(comment).toContain(
      '**Notifications**: slack channel "ops": not sent, the secret KUBEMEND\\_SLACK\\_BOT\\_TOKEN was not passed in notify-secrets; discord channel "dev": answered 500.',
    );
    expect(outcome.warnings).toContain('Not notified: discord channel "dev": answered 500.');
    // The channel that worked got its notice; nothing quotes a URL or a secret.
    expect(hook.calls).toEqual(['accepted']);
    expect(hook.accepted[0]).toMatchObject({
      incident: { state: 'needs-human', severity: 'critical' },
    });
    expect(comment).not.toContain(discord.base);
    expect(comment).not.toContain(SIGNING_KEY);
    expect(outcome.body).toBe(comment);
  });

  it('routes a notice by severity to the first matching route’s channels', async () => {
    const routes = `${CHANNELS}
  routes:
    - { severities: [critical], clusters: ['prod-*'], channels: [ops] }
    - { severities: [warning, critical], channels: [dev] }
`;
    const critical = incident('critical');
    await run(critical, notifier(routes));
    expect(slack.messages).toHaveLength(1);
    expect(discord.messages).toHaveLength(0);

    const warning = incident('warning');
    await run(warning, notifier(routes));
    expect(slack.messages).toHaveLength(1);
    expect(discord.messages).toHaveLength(1);
    expect(hook.calls).toEqual([]);
  });

  it("defers a state quiet hours do not except, by GitHub's clock, and lets needs-human through", async () => {
    gh.clock.set(NIGHT);
    const number = incident();
    const notify = notifier(`${CHANNELS}
  quiet-hours: { from: '22:00', to: '07:00', timezone: UTC, except: [needs-human] }
`);
    await run(number, notify);
    expect(hook.accepted).toHaveLength(1);
    expect(discord.messages).toHaveLength(1);

    await run(number, notify, [resolved(number)]);
    // Resolved at 03:00 is not excepted: nobody hears of it yet, nothing is edited.
    expect(hook.accepted).toHaveLength(1);
    expect(discord.calls).toEqual(['execute']);
    expect(slack.calls).toEqual(['chat.postMessage']);
    // The references of the first notice are kept for the notice owed, and the label
    // lets the sweep find the incident, closed meanwhile.
    const { issue, file } = await incidentRecord({ ...githubClient(gh), number });
    expect(file?.record.messages).toEqual({
      ops: { slack: expect.anything() },
      dev: { discord: { messageId: discord.messages[0]!.id } },
    });
    expect(file?.record.deferredNotice).toEqual({
      since: '2026-11-22T03:00:00Z',
      previous: 'needs-human',
    });
    expect(issue.state).toBe('closed');
    expect(labelsOf(number)).toContain('kubemend/notice-deferred');
  });

  it('after quiet hours, the first report sends the state then once, however many changes were held back, updating the message in place', async () => {
    gh.clock.set(NIGHT);
    const number = incident();
    const notify = notifier(`
notifications:
  channels:
    - { name: ops, type: slack, token-secret: KUBEMEND_SLACK_BOT_TOKEN, channel: '#incidents' }
  quiet-hours: { from: '22:00', to: '07:00', timezone: UTC }
`);
    await run(number, notify);
    const refs = await storedMessages(number);
    // Two changes in the night: a dry run, then an action holding the problem back.
    expect((await run(number, notify, [dryRun(number)])).state).toBe('dry-run');
    gh.clock.set(NIGHT + 60 * 60_000);
    expect((await run(number, notify, [contained(number)])).state).toBe('acting');
    expect(slack.calls).toEqual(['chat.postMessage']);

    // 12:00, the same state: the one notice owed, told from the state last announced.
    gh.clock.set(DAY);
    await run(number, notify, [contained(number)]);
    expect(slack.calls).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    const top = slack.messages.filter((m) => !m.thread_ts);
    expect(top).toEqual([
      expect.objectContaining({
        ts: refs!.ops!.slack!.ts,
        updates: 1,
        text: `kubemend: #${number} Storefront down is acting`,
      }),
    ]);
    expect(slack.messages.filter((m) => m.thread_ts).map((m) => m.text)).toEqual([
      expect.stringMatching(/^needs-human → acting: /),
    ]);
    const { file } = await incidentRecord({ ...githubClient(gh), number });
    expect(file?.record.deferredNotice).toBeUndefined();
    expect(labelsOf(number)).not.toContain('kubemend/notice-deferred');

    // Paid: the next run of the same state sends nothing.
    await run(number, notify, [contained(number)]);
    expect(slack.calls).toHaveLength(3);
  });
});
