// Slack through the official client (@slack/web-api WebClient) against the Slack emulator:
// Block Kit the emulator accepts, one message posted once and updated in place, state
// changes as replies in its thread, the mention only for needs-human, and an incoming
// webhook (which cannot edit) taking the same blocks.
import type { KnownBlock } from '@slack/types';
import { sendNotice, type NotifyChannel } from '../../src/notify/send.js';
import { slackMessage } from '../../src/notify/slack.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sim/notify/slack.js';
import { NOTICE } from './support.js';

describe('Slack notifications', () => {
  let slack: SlackEmulator;
  beforeEach(async () => {
    slack = await startSlackEmulator();
  });
  afterEach(async () => {
    await slack.close();
  });

  const bot = (
    overrides: Partial<Extract<NotifyChannel, { kind: 'slack-bot' }>> = {},
  ): NotifyChannel => ({
    kind: 'slack-bot',
    name: 'ops',
    token: slack.token,
    channel: '#incidents',
    mention: 'S0ONCALL',
    apiUrl: slack.apiUrl,
    ...overrides,
  });

  it('posts one message per incident and updates it in place, with each state change as a reply in its thread', async () => {
    const first = await sendNotice(bot(), NOTICE);
    expect(first).toMatchObject({ ok: true, line: 'slack-bot channel "ops": posted' });
    const refs = first.refs;
    expect(refs.slack).toEqual({ channel: 'C0KUBEMEND', ts: expect.stringMatching(/^\d+\.\d+$/) });

    const acting = await sendNotice(
      bot(),
      {
        ...NOTICE,
        state: 'acting',
        previousState: 'firing',
        reasons: ['rolled back payments/api'],
      },
      refs,
    );
    expect(acting).toMatchObject({
      ok: true,
      line: 'slack-bot channel "ops": updated in place, state change replied in thread',
      refs,
    });
    // Same state again (a new occurrence): the message is edited, nothing is threaded.
    const again = await sendNotice(
      bot(),
      { ...NOTICE, state: 'acting', previousState: 'acting' },
      refs,
    );
    expect(again.line).toBe('slack-bot channel "ops": updated in place');
    const resolved = await sendNotice(
      bot(),
      {
        ...NOTICE,
        state: 'resolved',
        previousState: 'acting',
        reasons: ['verified healthy for 10 minutes'],
      },
      refs,
    );
    expect(resolved.ok).toBe(true);

    const top = slack.messages.filter((m) => !m.thread_ts);
    expect(top).toHaveLength(1);
    // Slack fetches no preview of a URL in payload text, and links no plain @names.
    for (const m of slack.messages)
      expect(m).toMatchObject({
        unfurl_links: 'false',
        unfurl_media: 'false',
        link_names: 'false',
      });
    expect(top[0]).toMatchObject({ ts: refs.slack!.ts, updates: 3 });
    expect(top[0]!.text).toBe('kubemend: #42 OOMKilled: payments/api is resolved');
    const replies = slack.messages.filter((m) => m.thread_ts === refs.slack!.ts);
    expect(replies.map((m) => m.text)).toEqual([
      'firing → acting: rolled back payments/api',
      'acting → resolved: verified healthy for 10 minutes',
    ]);
    expect(slack.calls).toEqual([
      'chat.postMessage',
      'chat.update',
      'chat.postMessage',
      'chat.update',
      'chat.update',
      'chat.postMessage',
    ]);
  });

  it('mentions the configured group when a person must act, in the reply that notifies, and nobody otherwise', async () => {
    const { refs } = await sendNotice(bot(), NOTICE);
    await sendNotice(bot(), { ...NOTICE, state: 'needs-human', previousState: 'firing' }, refs);
    const mrkdwn = (blocks: unknown[] | undefined): string[] =>
      (blocks as KnownBlock[]).flatMap((b) =>
        b.type === 'section' && b.text?.type === 'mrkdwn' ? [b.text.text] : [],
      );
    const [message, reply] = slack.messages;
    expect(mrkdwn(reply!.blocks)).toEqual([
      '<!subteam^S0ONCALL> a person must act on this incident',
    ]);
    // The edited message carries it too, but an edit notifies nobody.
    expect(mrkdwn(message!.blocks)).toEqual([
      '<!subteam^S0ONCALL> a person must act on this incident',
    ]);
    // A firing incident mentions nobody, and an id that is not Slack's shape is never sent.
    expect(mrkdwn(slackMessage(NOTICE, { mention: 'S0ONCALL' }).blocks)).toEqual([]);
    expect(
      mrkdwn(slackMessage({ ...NOTICE, state: 'needs-human' }, { mention: '!channel' }).blocks),
    ).toEqual([]);
    expect(
      mrkdwn(slackMessage({ ...NOTICE, state: 'needs-human' }, { mention: 'U0ALICE' }).blocks),
    ).toEqual(['<@U0ALICE> a person must act on this incident']);
  });

  it('posts a new message when the old one was deleted, and returns its reference', async () => {
    const { refs } = await sendNotice(bot(), NOTICE);
    slack.remove(refs.slack!.ts);
    const next = await sendNotice(
      bot(),
      { ...NOTICE, state: 'acting', previousState: 'firing' },
      refs,
    );
    expect(next).toMatchObject({
      ok: true,
      line: 'slack-bot channel "ops": posted anew (the old message is gone)',
    });
    expect(next.refs.slack!.ts).not.toBe(refs.slack!.ts);
    expect(slack.messages).toHaveLength(1);
  });

  it('reports a wrong token or an unknown channel in one line, and the incident goes on', async () => {
    const wrong = await sendNotice(bot({ token: 'xoxb-wrong-token' }), NOTICE);
    expect(wrong).toEqual({
      name: 'ops',
      kind: 'slack-bot',
      ok: false,
      line: 'slack-bot channel "ops": chat.postMessage failed: invalid_auth',
      refs: {},
    });
    const missing = await sendNotice(bot({ channel: '#nowhere' }), NOTICE);
    expect(missing.line).toBe(
      'slack-bot channel "ops": chat.postMessage failed: channel_not_found',
    );
    expect(slack.messages).toHaveLength(0);
  });

  it('has the emulator refuse blocks that break Block Kit rules, as Slack answers invalid_blocks', async () => {
    const { WebClient } = await import('@slack/web-api');
    const client = new WebClient(slack.token, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0KUBEMEND' });
    const tooLong: KnownBlock[] = [
      { type: 'section', text: { type: 'plain_text', text: 'x'.repeat(3001) } },
    ];
    await expect(
      client.chat.postMessage({ channel: '#incidents', text: 't', blocks: tooLong }),
    ).rejects.toMatchObject({
      data: {
        ok: false,
        error: 'invalid_blocks',
        errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    });
    const mrkdwnHeader = [
      { type: 'header', text: { type: 'mrkdwn', text: 'x' } },
    ] as unknown as KnownBlock[];
    await expect(
      client.chat.postMessage({ channel: '#incidents', text: 't', blocks: mrkdwnHeader }),
    ).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    const many: KnownBlock[] = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(
      client.chat.postMessage({ channel: '#incidents', text: 't', blocks: many }),
    ).rejects.toMatchObject({
      data: { errors: ['no more than 50 items allowed [json-pointer:/blocks]'] },
    });
  });

  it('sends the same Block Kit through an incoming webhook, which posts anew each time (it cannot edit)', async () => {
    const hook: NotifyChannel = { kind: 'slack-webhook', name: 'hook', url: slack.webhookUrl };
    expect(await sendNotice(hook, NOTICE)).toEqual({
      name: 'hook',
      kind: 'slack-webhook',
      ok: true,
      line: 'slack-webhook channel "hook": sent',
      refs: {},
    });
    await sendNotice(hook, { ...NOTICE, state: 'resolved', previousState: 'firing' });
    expect(slack.calls).toEqual(['webhook', 'webhook']);
    expect(slack.messages).toHaveLength(2);
    expect(slack.messages[0]!.blocks).toEqual(slackMessage(NOTICE).blocks);
    expect(slack.messages[0]).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
  });
});
