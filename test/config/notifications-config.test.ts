// The config's `notifications:` section: channels that name secrets (never values),
// routes where the first match wins, quiet hours in a named time zone, and one line
// naming the field for each thing it refuses.
import { checkConfig, parseConfig } from '../../src/config/config.js';
import type { Notice } from '../../src/notify/notice.js';
import { routeNotice, silenced, withinQuietHours } from '../../src/notify/settings.js';

const read = (yaml: string) => parseConfig(yaml, '.github/kubemend.yml');
const problems = (yaml: string) => checkConfig(yaml, 'k.yml').problems;

const CHANNELS = `
notifications:
  channels:
    - name: ops
      type: slack
      token-secret: KUBEMEND_SLACK_BOT_TOKEN
      channel: C0123OPS
      mention: S0ONCALL
    - name: dev
      type: discord
      url-secret: KUBEMEND_DISCORD_URL
    - name: audit
      type: webhook
      url-secret: KUBEMEND_WEBHOOK_URL
      signing-secret: KUBEMEND_WEBHOOK_KEY
`;

const notice = (overrides: Partial<Notice> = {}): Notice => ({
  key: 'k',
  title: 't',
  cluster: 'prod-eu-1',
  severity: 'critical',
  category: 'oom',
  state: 'firing',
  reasons: [],
  link: 'https://github.com/o/r/issues/1',
  ...overrides,
});

describe('the notifications config', () => {
  it('has no channels, no routes and no quiet hours by default', () => {
    expect(read('').notifications).toEqual({ channels: [], routes: [], quietHours: null });
  });

  it('reads channels with the names of their secrets, routes and quiet hours', () => {
    const { notifications } = read(`${CHANNELS}
  routes:
    - severities: [critical]
      clusters: ['prod-*']
      channels: [ops]
    - channels: [dev]
  quiet-hours:
    from: '22:30'
    to: '07:00'
    timezone: Europe/Berlin
`);
    expect(notifications.channels).toEqual([
      {
        name: 'ops',
        type: 'slack',
        tokenSecret: 'KUBEMEND_SLACK_BOT_TOKEN',
        channel: 'C0123OPS',
        mention: 'S0ONCALL',
      },
      { name: 'dev', type: 'discord', urlSecret: 'KUBEMEND_DISCORD_URL' },
      {
        name: 'audit',
        type: 'webhook',
        urlSecret: 'KUBEMEND_WEBHOOK_URL',
        signingSecret: 'KUBEMEND_WEBHOOK_KEY',
      },
    ]);
    expect(notifications.routes).toEqual([
      { severities: ['critical'], clusters: ['prod-*'], categories: [], channels: ['ops'] },
      { severities: [], clusters: [], categories: [], channels: ['dev'] },
    ]);
    expect(notifications.quietHours).toEqual({
      fromMinute: 22 * 60 + 30,
      toMinute: 7 * 60,
      timezone: 'Europe/Berlin',
      except: ['needs-human'],
    });
  });

  it('refuses each mistake in one line naming the field and what is allowed', () => {
    expect(
      problems(`${CHANNELS}
  routes:
    - channels: [ops, pager]
`),
    ).toEqual([
      `Config k.yml: 'notifications.routes[0].channels[1]' is "pager", which no channel is called; allowed: ops, dev, audit.`,
    ]);
    expect(
      problems(`${CHANNELS}
  quiet-hours: { from: '22:00', to: '07:00', timezone: Mars/Olympus_Mons }
`),
    ).toEqual([
      `Config k.yml: 'notifications.quiet-hours.timezone' is "Mars/Olympus_Mons", which is not a time zone this runner knows; allowed: an IANA name such as Europe/Berlin, America/New_York or UTC.`,
    ]);
    expect(problems(`${CHANNELS}\n  quiet-hours: { from: '25:00', to: '07:00' }\n`)).toEqual([
      `Config k.yml: 'notifications.quiet-hours.from' is "25:00"; allowed: a time of day as HH:MM, 00:00 to 23:59.`,
    ]);
    expect(problems(`${CHANNELS}\n  quiet-hours: { from: '7pm', to: '07:00' }\n`)[0]).toMatch(
      /^Config k\.yml: 'notifications\.quiet-hours\.from' is "7pm"; allowed: /,
    );
    // A value where a name belongs: the schema refuses it before anything could use it.
    expect(
      problems(`
notifications:
  channels:
    - name: ops
      type: slack-webhook
      url-secret: https://hooks.slack.com/services/T0/B0/secret
`)[0],
    ).toMatch(/^Config k\.yml: 'notifications\.channels\[0\]\.url-secret' is "https:/);
    expect(
      problems(`
notifications:
  channels:
    - { name: ops, type: slack, token-secret: GITHUB_TOKEN, channel: C1 }
`),
    ).toEqual([
      `Config k.yml: 'notifications.channels[0].token-secret' is "GITHUB_TOKEN"; allowed: a secret name, and GitHub allows none that starts with GITHUB_.`,
    ]);
  });

  it('refuses a channel without the secrets its type needs, or with fields its type does not take', () => {
    expect(
      problems(`
notifications:
  channels:
    - { name: audit, type: webhook, url-secret: HOOK_URL }
    - { name: dev, type: discord, url-secret: DISCORD_URL, channel: C0ALERTS }
    - { name: dev, type: teams, url-secret: TEAMS_URL }
    - { name: hook, type: webhook, url-secret: U, signing-secret: K, mention: U0ALICE }
`),
    ).toEqual([
      `Config k.yml: 'notifications.channels[0].signing-secret' is missing; a webhook channel needs url-secret and signing-secret.`,
      `Config k.yml: 'notifications.channels[1].channel' does not apply to a discord channel; allowed: url-secret, mention.`,
      `Config k.yml: 'notifications.channels[2].name' repeats the channel name "dev"; allowed: a name no other channel has.`,
      `Config k.yml: 'notifications.channels[3].mention' does not apply to a webhook channel; allowed: url-secret, signing-secret.`,
    ]);
  });

  it('reads a Discord and a Teams mention, each in its own form, and refuses one in another channel’s form', () => {
    const { notifications } = read(`
notifications:
  channels:
    - { name: dev, type: discord, url-secret: DISCORD_URL, mention: 'role:1234567890123456789' }
    - name: sre
      type: teams
      url-secret: TEAMS_URL
      mention: jane.doe@contoso.com
      mention-name: Jane Doe
`);
    expect(notifications.channels).toEqual([
      {
        name: 'dev',
        type: 'discord',
        urlSecret: 'DISCORD_URL',
        mention: 'role:1234567890123456789',
      },
      {
        name: 'sre',
        type: 'teams',
        urlSecret: 'TEAMS_URL',
        mention: 'jane.doe@contoso.com',
        mentionName: 'Jane Doe',
      },
    ]);
    expect(
      problems(`
notifications:
  channels:
    - { name: a, type: discord, url-secret: D, mention: S0ONCALL }
    - { name: b, type: slack-webhook, url-secret: S, mention: 'user:1234567890123456789' }
    - { name: c, type: teams, url-secret: T, mention: S0ONCALL, mention-name: On call }
    - { name: d, type: teams, url-secret: T, mention: 87d349ed-44d7-43e1-9a83-5f2406dee5bd }
    - { name: e, type: teams, url-secret: T, mention: a@b.example, mention-name: '<at>x' }
    - { name: f, type: discord, url-secret: D, mention-name: Jane }
`),
    ).toEqual([
      // The schema's own line comes first; the checks by type follow.
      `Config k.yml: 'notifications.channels[4].mention-name' is "<at>x"; allowed: the name a Teams mention shows (\`<at>name</at>\`): letters, digits, spaces, . ' and -; type teams, with mention.`,
      `Config k.yml: 'notifications.channels[0].mention' is "S0ONCALL"; allowed for a discord channel: user:<id> or role:<id>, a Discord user or role id (17 to 20 digits).`,
      `Config k.yml: 'notifications.channels[1].mention' is "user:1234567890123456789"; allowed for a slack-webhook channel: a Slack user (U…, W…) or user-group (S…) id.`,
      `Config k.yml: 'notifications.channels[2].mention' is "S0ONCALL"; allowed for a teams channel: a user's Microsoft Entra object id (a GUID) or user principal name (name@example.com).`,
      `Config k.yml: 'notifications.channels[3].mention-name' is missing; a teams channel's mention needs mention-name.`,
      `Config k.yml: 'notifications.channels[5].mention-name' does not apply to a discord channel; allowed: url-secret, mention.`,
    ]);
  });

  it('routes a notice by the first route that matches its severity, cluster and category', () => {
    const { notifications } = read(`${CHANNELS}
  routes:
    - severities: [critical]
      clusters: ['prod-*']
      categories: [oom]
      channels: [ops, audit]
    - severities: [critical, warning]
      channels: [dev]
`);
    const names = (n: Notice) => routeNotice(notifications, n).map((c) => c.name);
    expect(names(notice())).toEqual(['ops', 'audit']);
    // The first route misses on each of its conditions in turn; the second catches them.
    expect(names(notice({ cluster: 'staging-1' }))).toEqual(['dev']);
    expect(names(notice({ category: 'node' }))).toEqual(['dev']);
    expect(names(notice({ severity: 'warning' }))).toEqual(['dev']);
    // No route matches: nobody is told.
    expect(names(notice({ severity: 'info' }))).toEqual([]);
    // Without routes every channel hears everything.
    expect(routeNotice(read(CHANNELS).notifications, notice({ severity: 'info' }))).toHaveLength(3);
  });

  it('holds back all but the excepted states within quiet hours, in the configured zone, across midnight', () => {
    const { notifications } = read(`${CHANNELS}
  quiet-hours: { from: '22:00', to: '07:00', timezone: Europe/Berlin }
`);
    const quiet = notifications.quietHours!;
    // Berlin is UTC+1 in December: 21:30 UTC is 22:30 there, 06:30 UTC is 07:30.
    const lateEvening = Date.parse('2026-12-06T21:30:00Z');
    const morning = Date.parse('2026-12-07T06:30:00Z');
    const night = Date.parse('2026-12-07T02:00:00Z');
    expect(withinQuietHours(quiet, lateEvening)).toBe(true);
    expect(withinQuietHours(quiet, night)).toBe(true);
    expect(withinQuietHours(quiet, morning)).toBe(false);
    expect(withinQuietHours(quiet, Date.parse('2026-12-06T20:59:00Z'))).toBe(false);
    expect(silenced(notifications, 'firing', night)).toBe(true);
    expect(silenced(notifications, 'needs-human', night)).toBe(false);
    expect(silenced(notifications, 'firing', morning)).toBe(false);
    // A daytime window does not wrap.
    const day = read(`${CHANNELS}
  quiet-hours: { from: '09:00', to: '17:00', except: [needs-human, resolved] }
`).notifications;
    expect(silenced(day, 'firing', Date.parse('2026-12-07T12:00:00Z'))).toBe(true);
    expect(silenced(day, 'resolved', Date.parse('2026-12-07T12:00:00Z'))).toBe(false);
    expect(silenced(day, 'firing', Date.parse('2026-12-07T17:00:00Z'))).toBe(false);
  });
});
