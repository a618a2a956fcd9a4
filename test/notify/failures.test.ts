// A failing channel never fails the incident: whatever goes wrong (an error status, no
// answer within the timeout, a name that does not resolve, a refused connection), sending
// returns one line naming the channel, and never its URL or token, which are credentials.
import { sendNotice, sendToAll, type NotifyChannel } from '../../src/notify/send.js';
import { listen, type Receiver } from '../../src/sim/notify/http.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sim/notify/slack.js';
import { NOTICE } from './support.js';

const TOKEN = 'xoxb-1111-secret-bot-token';
const SECRET_PATH = '/hooks/secret-path-0123456789';
// Names under .invalid never resolve (RFC 2606).
const NOWHERE = 'https://kubemend-notify.invalid/hooks/secret-path-0123456789';

const channels = (base: string): NotifyChannel[] => [
  { kind: 'slack-bot', name: 'bot', token: TOKEN, channel: '#incidents', apiUrl: `${base}/api/` },
  { kind: 'slack-webhook', name: 'hook', url: `${base}${SECRET_PATH}` },
  { kind: 'discord', name: 'discord', url: `${base}${SECRET_PATH}` },
  { kind: 'teams', name: 'teams', url: `${base}${SECRET_PATH}` },
  { kind: 'webhook', name: 'generic', url: `${base}${SECRET_PATH}`, secret: 'whsec-x' },
];

const noCredentials = (line: string): void => {
  expect(line).not.toMatch(/secret-path|xoxb|127\.0\.0\.1|invalid\/|https?:/);
  expect(line).not.toContain('\n');
};

describe('a failing notification channel', () => {
  let server: Receiver;
  beforeEach(async () => {
    server = await listen(() => ({ status: 200, body: { ok: true } }));
  });
  afterEach(async () => {
    await server.close();
  });

  it('answering 500 gives one line per channel with the status', async () => {
    server.fail({ status: 500 }, 100);
    const { results } = await sendToAll(channels(server.base), NOTICE);
    expect(results.map((r) => r.line)).toEqual([
      'slack-bot channel "bot": chat.postMessage failed: HTTP 500',
      'slack-webhook channel "hook": answered 500 (internal_error)',
      'discord channel "discord": answered 500',
      'teams channel "teams": answered 500 (internal_error)',
      'webhook channel "generic": answered 500 (internal_error)',
    ]);
    for (const r of results) {
      expect(r.ok).toBe(false);
      noCredentials(r.line);
    }
  });

  it('not answering within the timeout gives one line per channel', async () => {
    server.fail('hang', 100);
    const { results } = await sendToAll(channels(server.base), NOTICE, {}, { timeoutMs: 300 });
    expect(results.map((r) => r.line)).toEqual([
      'slack-bot channel "bot": chat.postMessage failed: did not answer within 300 ms',
      'slack-webhook channel "hook": did not answer within 300 ms',
      'discord channel "discord": did not answer within 300 ms',
      'teams channel "teams": did not answer within 300 ms',
      'webhook channel "generic": did not answer within 300 ms',
    ]);
    for (const r of results) noCredentials(r.line);
  });

  it('whose host does not resolve gives one line per channel, without the host', async () => {
    const { results } = await sendToAll(
      channels('https://kubemend-notify.invalid').map((c) =>
        c.kind === 'slack-bot' ? c : { ...c, url: NOWHERE },
      ),
      NOTICE,
    );
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.line).toMatch(/could not be reached \((ENOTFOUND|EAI_AGAIN)\)$/);
      noCredentials(r.line);
    }
  });

  it('refusing connections gives one line, and the other channels are still sent', async () => {
    const closed = await listen(() => ({ status: 200 }));
    const dead = closed.base;
    await closed.close();
    const slack: SlackEmulator = await startSlackEmulator();
    try {
      const { results, refs } = await sendToAll(
        [
          { kind: 'discord', name: 'dead', url: `${dead}${SECRET_PATH}` },
          {
            kind: 'slack-bot',
            name: 'live',
            token: slack.token,
            channel: '#incidents',
            apiUrl: slack.apiUrl,
          },
        ],
        NOTICE,
      );
      expect(results.map((r) => r.line)).toEqual([
        'discord channel "dead": could not be reached (ECONNREFUSED)',
        'slack-bot channel "live": posted',
      ]);
      expect(refs.live?.slack?.channel).toBe('C0KUBEMEND');
      expect(refs.dead).toBeUndefined();
    } finally {
      await slack.close();
    }
  });

  it('with a malformed URL gives one line without it', async () => {
    const result = await sendNotice(
      { kind: 'teams', name: 't', url: 'not a url secret-path' },
      NOTICE,
    );
    expect(result.line).toBe('teams channel "t": has no valid URL');
  });
});
