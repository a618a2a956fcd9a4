// The sweep's notifications: it ends most incidents (recovered or resolved after the
// stable window, stale), so it tells the channels as report does, updating the message
// report posted (its reference from the record) and naming a failing channel in the
// status comment while the sweep goes on. Real Octokit, client-node and Slack client
// against the emulators.
import type { KubeConfig } from '@kubernetes/client-node';
import { identityOfRecord } from '../../src/alerts/identity.js';
import { parseRecord } from '../../src/incidents/record.js';
import { sendNotice } from '../../src/notify/send.js';
import type { Notifier } from '../../src/report/notify.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { startDiscordEmulator, type DiscordEmulator } from '../../src/sim/notify/discord.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sim/notify/slack.js';
import type { RemediationResult } from '../../src/remediation/result.js';
import { report } from '../../src/report/stage.js';
import { sweep } from '../../src/sweep/stage.js';
import { simulatedCluster } from '../remediation/support.js';
import { githubClient, recordOf, REPOSITORY, seedIncident, sweepConfig } from './support.js';

const NOW = Date.parse('2026-11-22T03:00:00Z');
const MINUTE = 60_000;

let gh: GitHubEmulator;
let kube: KubeEmulator;
let kc: KubeConfig;
let slack: SlackEmulator;
let discord: DiscordEmulator;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 100_000 });
  gh.clock.set(NOW);
  ({ kube, kc } = await simulatedCluster('node-high-cpu'));
  slack = await startSlackEmulator();
  discord = await startDiscordEmulator();
});
afterEach(async () => {
  await Promise.all([gh.close(), kube.close(), slack.close(), discord.close()]);
});

const CHANNELS = `
notifications:
  channels:
    - { name: ops, type: slack, token-secret: SLACK_BOT_TOKEN, channel: '#incidents' }
    - { name: dev, type: discord, url-secret: DISCORD_URL }
`;

/** Resolved at the source 20 minutes ago, its Deployment healthy: the sweep recovers it. */
const recovering = () =>
  recordOf(
    {
      title: 'Etl lagging',
      cluster: 'homelab',
      severity: 'warning',
      status: 'resolved',
      namespace: 'analytics',
      resource: 'Deployment/etl',
    },
    NOW - 20 * MINUTE,
  );

/** A verified fix on the incident's Deployment: it resolves, and the issue closes. */
function verified(number: number): RemediationResult {
  return {
    version: 1,
    playbook: 'crash-loop',
    category: 'crash-loop',
    incident: number,
    cluster: 'homelab',
    mode: 'auto',
    targets: { cluster: 'homelab', namespace: 'analytics' },
    identity: { status: 'confirmed', matched: ['server', 'kube-system-uid'] },
    findings: [],
    decisions: [],
    actions: [{ verb: 'delete', object: 'analytics/Pod/etl-1', dryRun: false, detail: 'stuck' }],
    verification: { before: 1, after: 0, polls: 1 },
    outcome: 'resolved',
    reason: 'healthy after 1 check(s)',
    requests: 3,
    durations: { totalMs: 1000, verifyMs: 500 },
  };
}

function runSweep(notify: Notifier) {
  return sweep({
    github: githubClient(gh),
    config: sweepConfig(kube, ['homelab'], CHANNELS),
    kubeconfig: kc,
    log: () => {},
    runUrl: undefined,
    trigger: 'schedule',
    notify,
  });
}

const notifier = (secrets: Record<string, string>): Notifier => ({
  config: sweepConfig(kube, [], CHANNELS).notifications,
  secrets,
  slackApiUrl: slack.apiUrl,
  timeoutMs: 5_000,
});

describe('sweep notifications', () => {
  it("updates report's Slack message in place when it ends the incident, and keeps the reference", async () => {
    const record = recovering();
    // The message report posted when the incident fired.
    const posted = await sendNotice(
      {
        kind: 'slack-bot',
        name: 'ops',
        token: slack.token,
        channel: '#incidents',
        apiUrl: slack.apiUrl,
      },
      {
        key: record.key,
        title: record.title,
        cluster: 'homelab',
        severity: 'warning',
        category: '',
        state: 'firing',
        reasons: [],
        link: '',
      },
    );
    const number = seedIncident(gh, { ...record, messages: { ops: posted.refs } });

    const outcome = await runSweep(notifier({ SLACK_BOT_TOKEN: slack.token }));

    expect(outcome.changed).toEqual([expect.objectContaining({ number, to: 'recovered' })]);
    // Discord's secret was not passed: one warning, and the sweep still closed the incident.
    expect(outcome.warnings).toEqual([
      'Not notified: discord channel "dev": not sent, the secret DISCORD_URL was not passed in notify-secrets.',
    ]);
    expect(outcome.closed).toBe(1);
    expect(slack.calls).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(slack.messages.filter((m) => !m.thread_ts)).toEqual([
      expect.objectContaining({
        ts: posted.refs.slack!.ts,
        updates: 1,
        text: `kubemend: #${number} Etl lagging is recovered`,
      }),
    ]);
    expect(slack.messages.find((m) => m.thread_ts)?.text).toMatch(/^firing → recovered: /);
    const comment = gh
      .repo(REPOSITORY)
      .commentsOn(number)
      .find((c) => c.body.startsWith('<!-- kubemend:status -->'))?.body;
    expect(comment).toContain('**Notifications**: discord channel "dev": not sent, the secret');
    const { branch, recordPath } = identityOfRecord(record);
    const file = parseRecord(gh.repo(REPOSITORY).readFile(branch, recordPath) ?? '');
    expect(file?.messages).toEqual({ ops: posted.refs });
  });

  it('posts a Discord message for an incident that had none, and keeps its id in the record', async () => {
    const record = recovering();
    seedIncident(gh, record);
    await runSweep(notifier({ SLACK_BOT_TOKEN: slack.token, DISCORD_URL: discord.webhookUrl }));
    expect(discord.calls).toEqual(['execute']);
    const { branch, recordPath } = identityOfRecord(record);
    const file = parseRecord(gh.repo(REPOSITORY).readFile(branch, recordPath) ?? '');
    expect(file?.messages).toEqual({
      ops: { slack: { channel: 'C0KUBEMEND', ts: slack.messages[0]!.ts } },
      dev: { discord: { messageId: discord.messages[0]!.id } },
    });
  });

  it('makes no list request for deferred notices when the config has no quiet hours', async () => {
    seedIncident(gh, recovering());
    const deferredLists = () =>
      gh.requests(
        (r) =>
          r.operationId === 'issues/list-for-repo' &&
          new URLSearchParams(r.query).get('labels') === 'kubemend/notice-deferred',
      ).length;
    await runSweep(notifier({ SLACK_BOT_TOKEN: slack.token }));
    expect(deferredLists()).toBe(0);

    // With quiet hours the sweep does list them: the request counted above is the one saved.
    const config = sweepConfig(
      kube,
      ['homelab'],
      `${CHANNELS}\n  quiet-hours: { from: '22:00', to: '07:00', timezone: UTC }\n`,
    );
    await sweep({
      github: githubClient(gh),
      config,
      kubeconfig: kc,
      log: () => {},
      runUrl: undefined,
      trigger: 'schedule',
      notify: { ...notifier({ SLACK_BOT_TOKEN: slack.token }), config: config.notifications },
    });
    expect(deferredLists()).toBe(1);
  });

  it('after quiet hours, sends the notice deferred for an incident closed in the night, once, updating its message; a failing channel fails nothing', async () => {
    const yaml = `${CHANNELS}
  quiet-hours: { from: '22:00', to: '07:00', timezone: UTC }
`;
    const config = sweepConfig(kube, ['homelab'], yaml);
    const notify: Notifier = {
      config: config.notifications,
      secrets: { SLACK_BOT_TOKEN: slack.token, DISCORD_URL: discord.webhookUrl },
      slackApiUrl: slack.apiUrl,
      timeoutMs: 5_000,
    };
    const record = recordOf(
      {
        title: 'Etl lagging',
        cluster: 'homelab',
        severity: 'warning',
        status: 'firing',
        namespace: 'analytics',
        resource: 'Deployment/etl',
      },
      NOW - 20 * MINUTE,
    );
    const number = seedIncident(gh, record);
    const reportRun = (results: RemediationResult[]) =>
      report({
        github: { ...githubClient(gh), number },
        config,
        results,
        skipped: [],
        notify,
        runUrl: undefined,
      });
    // 03:00: needs-human is excepted and posted; the verified fix that closes it is deferred.
    await reportRun([]);
    await reportRun([verified(number)]);
    expect(gh.repo(REPOSITORY).issues.get(number)!.state).toBe('closed');
    expect(slack.calls).toEqual(['chat.postMessage']);
    expect(discord.calls).toEqual(['execute']);

    // 08:00: the first sweep tells the state now; Discord fails, the sweep goes on.
    gh.clock.set(NOW + 5 * 60 * MINUTE);
    discord.fail({ status: 500 });
    const outcome = await sweep({
      github: githubClient(gh),
      config,
      kubeconfig: kc,
      log: () => {},
      runUrl: undefined,
      trigger: 'schedule',
      notify,
    });
    expect(outcome.warnings).toEqual(['Not notified: discord channel "dev": edit answered 500.']);
    expect(slack.calls).toEqual(['chat.postMessage', 'chat.update', 'chat.postMessage']);
    expect(slack.messages.filter((m) => !m.thread_ts)).toEqual([
      expect.objectContaining({ updates: 1, text: `kubemend: #${number} Etl lagging is resolved` }),
    ]);
    expect(slack.messages.find((m) => m.thread_ts)?.text).toMatch(/^needs-human → resolved: /);
    expect(gh.repo(REPOSITORY).issues.get(number)!.labels).not.toContain(
      'kubemend/notice-deferred',
    );
    const { branch, recordPath } = identityOfRecord(record);
    const file = parseRecord(gh.repo(REPOSITORY).readFile(branch, recordPath) ?? '');
    expect(file?.deferredNotice).toBeUndefined();

    // Paid once: the next sweep sends nothing.
    await sweep({
      github: githubClient(gh),
      config,
      kubeconfig: kc,
      log: () => {},
      runUrl: undefined,
      trigger: 'schedule',
      notify,
    });
    expect(slack.calls).toHaveLength(3);
  });
});
