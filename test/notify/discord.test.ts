// Discord through its webhook API against the Discord emulator: embeds within Discord's
// limits, the message posted with ?wait=true and edited in place by its id, no mention
// parsed, and the emulator refusing what Discord refuses.
import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import { discordMessage } from '../../src/notify/discord.js';
import { sendNotice, type NotifyChannel } from '../../src/notify/send.js';
import {
  embedErrors,
  startDiscordEmulator,
  type DiscordEmulator,
} from '../../src/sim/notify/discord.js';
import { NOTICE } from './support.js';

describe('Discord notifications', () => {
  let discord: DiscordEmulator;
  beforeEach(async () => {
    discord = await startDiscordEmulator();
  });
  afterEach(async () => {
    await discord.close();
  });
  const channel = (): NotifyChannel => ({
    kind: 'discord',
    name: 'alerts',
    url: discord.webhookUrl,
  });

  it('posts one message and edits it in place by its id on every later notice', async () => {
    const first = await sendNotice(channel(), NOTICE);
    expect(first).toMatchObject({ ok: true, line: 'discord channel "alerts": posted' });
    const id = first.refs.discord!.messageId;
    expect(id).toMatch(/^\d+$/);
    const second = await sendNotice(
      channel(),
      { ...NOTICE, state: 'acting', previousState: 'firing' },
      first.refs,
    );
    expect(second).toMatchObject({
      ok: true,
      line: 'discord channel "alerts": updated in place',
      refs: { discord: { messageId: id } },
    });
    await sendNotice(
      channel(),
      { ...NOTICE, state: 'resolved', previousState: 'acting' },
      second.refs,
    );

    expect(discord.calls).toEqual(['execute', 'edit', 'edit']);
    expect(discord.messages).toHaveLength(1);
    const [message] = discord.messages;
    expect(message).toMatchObject({ id, edits: 2, allowed_mentions: { parse: [] } });
    expect(message!.embeds[0]!.fields).toContainEqual({
      name: 'State',
      value: 'resolved',
      inline: true,
    });
    expect(message!.embeds[0]).toMatchObject({
      title: '#42 OOMKilled: payments/api',
      url: NOTICE.link,
    });
  });

  it('edits a message posted in a thread through the same thread', async () => {
    const inThread: NotifyChannel = {
      kind: 'discord',
      name: 'thread',
      url: `${discord.webhookUrl}?thread_id=1500000000000000001`,
    };
    const first = await sendNotice(inThread, NOTICE);
    const second = await sendNotice(inThread, { ...NOTICE, state: 'acting' }, first.refs);
    expect(second.line).toBe('discord channel "thread": updated in place');
    expect(discord.messages).toEqual([
      expect.objectContaining({ thread_id: '1500000000000000001', edits: 1 }),
    ]);
  });

  it('posts anew when the message was deleted, and keeps the new id', async () => {
    const first = await sendNotice(channel(), NOTICE);
    discord.remove(first.refs.discord!.messageId);
    const next = await sendNotice(channel(), { ...NOTICE, state: 'acting' }, first.refs);
    expect(next).toMatchObject({
      ok: true,
      line: 'discord channel "alerts": posted anew (the old message is gone)',
    });
    expect(next.refs.discord!.messageId).not.toBe(first.refs.discord!.messageId);
    expect(discord.calls).toEqual(['execute', 'edit: 10008 Unknown Message', 'execute']);
  });

  it('keeps every embed within Discord limits however long the text', async () => {
    const long = {
      ...NOTICE,
      title: 't'.repeat(1000),
      reasons: Array.from({ length: 50 }, () => 'r'.repeat(500)),
    };
    const body: RESTPostAPIWebhookWithTokenJSONBody = discordMessage(long);
    expect(embedErrors(body as Record<string, unknown>)).toEqual([]);
    expect(Array.from(body.embeds![0]!.title!)).toHaveLength(256);
    expect(Array.from(body.embeds![0]!.description!)).toHaveLength(4096);
    expect((await sendNotice(channel(), long)).ok).toBe(true);
  });

  it('has the emulator refuse what Discord refuses: oversized embeds, too many fields, an empty message', () => {
    expect(embedErrors({ embeds: [{ title: 'x'.repeat(257) }] })).toEqual([
      'embeds.0.title: Must be 256 or fewer in length.',
    ]);
    expect(
      embedErrors({
        embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }],
      }),
    ).toEqual(['embeds.0.fields: Must be 25 or fewer in length.']);
    expect(
      embedErrors({
        embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }],
      }),
    ).toEqual(['embeds: Embed size exceeds maximum size of 6000']);
  });

  it('answers an empty message with Discord’s 50006, which the channel reports in one line', async () => {
    const response = await fetch(`${discord.webhookUrl}?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ embeds: [] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 50006, message: 'Cannot send an empty message' });
  });
});
