// Mentions in Discord and Teams, against the local receivers that work out who a message
// pings as the chat app does: the configured user or role only while the incident needs a
// person, gone once its state moves on, and never anyone named by payload text.
import { discordMessage } from '../../src/notify/discord.js';
import { sendNotice, type NotifyChannel } from '../../src/notify/send.js';
import { teamsMessage } from '../../src/notify/teams.js';
import {
  allowedMentionsErrors,
  permittedMentions,
  startDiscordEmulator,
  type DiscordEmulator,
} from '../../src/sim/notify/discord.js';
import {
  cardMentions,
  startTeamsEmulator,
  type TeamsEmulator,
} from '../../src/sim/notify/teams.js';
import { hostileNotice, NOTICE } from './support.js';

const ROLE = '1234567890123456789';
const USER = '998877665544332211';
const JANE = { id: 'jane.doe@contoso.com', name: 'Jane Doe' };

describe('Discord mentions', () => {
  let discord: DiscordEmulator;
  beforeEach(async () => {
    discord = await startDiscordEmulator();
  });
  afterEach(async () => {
    await discord.close();
  });
  const channel = (mention?: string): NotifyChannel => ({
    kind: 'discord',
    name: 'dev',
    url: discord.webhookUrl,
    ...(mention ? { mention } : {}),
  });

  it('pings exactly the configured role on needs-human, and the edit for the next state drops the mention', async () => {
    const first = await sendNotice(channel(`role:${ROLE}`), { ...NOTICE, state: 'needs-human' });
    expect(first.line).toBe('discord channel "dev": posted');
    expect(discord.pings).toEqual([`role:${ROLE}`]);
    expect(discord.messages[0]).toMatchObject({
      content: `<@&${ROLE}> a person must act on this incident`,
      allowed_mentions: { parse: [], roles: [ROLE] },
      mentions: [`role:${ROLE}`],
    });

    const next = await sendNotice(
      channel(`role:${ROLE}`),
      { ...NOTICE, state: 'acting', previousState: 'needs-human' },
      first.refs,
    );
    expect(next.line).toBe('discord channel "dev": updated in place');
    expect(discord.calls).toEqual(['execute', 'edit']);
    expect(discord.messages).toEqual([
      expect.objectContaining({
        content: '',
        allowed_mentions: { parse: [] },
        mentions: [],
        edits: 1,
      }),
    ]);
    expect(discord.pings).toEqual([`role:${ROLE}`]);
  });

  it('pings through a new message when a posted incident comes to need a person, since an edit notifies nobody', async () => {
    const first = await sendNotice(channel(`user:${USER}`), NOTICE);
    expect(discord.pings).toEqual([]);
    const needs = await sendNotice(
      channel(`user:${USER}`),
      { ...NOTICE, state: 'needs-human', previousState: 'firing' },
      first.refs,
    );
    expect(needs).toMatchObject({
      ok: true,
      line: 'discord channel "dev": updated in place, the mention posted as a new message',
      refs: first.refs,
    });
    expect(discord.calls).toEqual(['execute', 'edit', 'execute']);
    expect(discord.pings).toEqual([`user:${USER}`]);
    expect(discord.messages[1]).toMatchObject({
      content: `<@${USER}> a person must act on incident #42: <${NOTICE.link}>`,
      allowed_mentions: { parse: [], users: [USER] },
      embeds: [],
    });

    // Still needs a person on the next notice: updated in place, nobody pinged twice.
    await sendNotice(
      channel(`user:${USER}`),
      { ...NOTICE, state: 'needs-human', previousState: 'needs-human' },
      first.refs,
    );
    expect(discord.pings).toEqual([`user:${USER}`]);
    await sendNotice(
      channel(`user:${USER}`),
      { ...NOTICE, state: 'resolved', previousState: 'needs-human' },
      first.refs,
    );
    expect(discord.messages[0]!.mentions).toEqual([]);
    expect(discord.calls).toEqual(['execute', 'edit', 'execute', 'edit', 'edit']);
  });

  it('pings nobody from hostile alert text, with or without a configured mention', async () => {
    const hostile = hostileNotice({
      title: `<@&${ROLE}> <@${USER}> @everyone @here`,
      cluster: `<@!${USER}>`,
      reasons: [`<@&${ROLE}> ping`, '@everyone wake up'],
    });
    await sendNotice(channel(), { ...hostile, state: 'needs-human' });
    await sendNotice(channel(`role:${ROLE}`), hostile);
    expect(discord.pings).toEqual([]);
    // Needs-human with a user configured: that user only, not the role the text names.
    await sendNotice(channel(`user:${USER}`), { ...hostile, state: 'needs-human' });
    expect(discord.pings).toEqual([`user:${USER}`]);
    expect(discord.calls).toEqual(['execute', 'execute', 'execute']);
  });

  it('never renders a mention that is not in Discord’s form', () => {
    for (const mention of ['@everyone', `<@&${ROLE}>`, ROLE, 'role:12', `group:${ROLE}`])
      expect(discordMessage({ ...NOTICE, state: 'needs-human' }, { mention })).toMatchObject({
        content: '',
        allowed_mentions: { parse: [] },
      });
  });

  it('has the receiver ping what Discord pings: content mentions allowed_mentions permits, unescaped', () => {
    const content = `<@&${ROLE}> <@${USER}> @everyone \\<@!${USER}>`;
    // Without allowed_mentions a webhook's content pings everything it names.
    expect(permittedMentions(content, undefined)).toEqual([
      `role:${ROLE}`,
      `user:${USER}`,
      'everyone',
    ]);
    expect(permittedMentions(content, { parse: [] })).toEqual([]);
    expect(permittedMentions(content, { parse: [], roles: [ROLE] })).toEqual([`role:${ROLE}`]);
    expect(permittedMentions(content, { parse: ['everyone'] })).toEqual(['everyone']);
    // Listed but not in the content: no phantom ping.
    expect(permittedMentions('hello', { parse: [], users: [USER] })).toEqual([]);
    expect(allowedMentionsErrors({ parse: ['roles'], roles: [ROLE] })).toEqual([
      'allowed_mentions: parse:["roles"] and roles: [ids] are mutually exclusive.',
    ]);
    expect(allowedMentionsErrors({ parse: ['channels'] })).toEqual([
      'allowed_mentions.parse: Value must be one of {users, roles, everyone}.',
    ]);
  });
});

describe('Teams mentions', () => {
  let teams: TeamsEmulator;
  beforeEach(async () => {
    teams = await startTeamsEmulator();
  });
  afterEach(async () => {
    await teams.close();
  });
  const channel = (withMention = true): NotifyChannel => ({
    kind: 'teams',
    name: 'sre',
    url: teams.webhookUrl,
    ...(withMention ? { mention: JANE } : {}),
  });

  it('mentions the configured user on needs-human through an entity Teams resolves, and nobody in the next state', async () => {
    expect((await sendNotice(channel(), { ...NOTICE, state: 'needs-human' })).ok).toBe(true);
    const card = teams.cards[0]!;
    expect(card.msteams).toEqual({
      width: 'Full',
      entities: [{ type: 'mention', text: '<at>Jane Doe</at>', mentioned: JANE }],
    });
    expect(card.body).toContainEqual({
      type: 'TextBlock',
      text: '<at>Jane Doe</at> a person must act on this incident',
      wrap: true,
    });
    await sendNotice(channel(), { ...NOTICE, state: 'acting', previousState: 'needs-human' });
    await sendNotice(channel(false), { ...NOTICE, state: 'needs-human' });
    expect(teams.calls).toEqual(['accepted', 'accepted', 'accepted']);
    expect(teams.mentioned).toEqual([[JANE.id], [], []]);
    expect(JSON.stringify(teams.cards[1])).not.toContain('<at>');
  });

  it('mentions nobody from hostile alert text, even text that spells the configured tag', async () => {
    const hostile = hostileNotice({
      title: '<at>Jane Doe</at> <at>x</at>',
      cluster: '<at>Jane Doe</at>',
      reasons: ['<AT>Jane Doe</AT> and <at>Mallory</at>', '\\<at>Jane Doe</at>'],
    });
    await sendNotice(channel(), hostile);
    await sendNotice(channel(), { ...hostile, state: 'needs-human' });
    await sendNotice(channel(false), { ...hostile, state: 'needs-human' });
    // Each card accepted: no tag without its entity, so no payload text became one.
    expect(teams.calls).toEqual(['accepted', 'accepted', 'accepted']);
    expect(teams.mentioned).toEqual([[], [JANE.id], []]);
  });

  it('never renders a mention whose id or name is not in its form', () => {
    for (const mention of [
      { id: 'S0ONCALL', name: 'On call' },
      { id: JANE.id, name: 'Jane</at><at>Mallory' },
      { id: JANE.id, name: '**Jane**' },
    ]) {
      const card = teamsMessage({ ...NOTICE, state: 'needs-human' }, { mention }).attachments[0]!;
      expect(card.content.msteams).toEqual({ width: 'Full' });
      expect(JSON.stringify(card)).not.toContain('<at>');
    }
  });

  it('has the receiver refuse a tag without its entity and an entity without its tag', async () => {
    const card = (text: string, entities: unknown[]) => ({
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text }],
      msteams: { entities },
    });
    const entity = { type: 'mention', text: '<at>Jane Doe</at>', mentioned: JANE };
    expect(cardMentions(card('hi <at>Jane Doe</at>', [entity]))).toEqual({ mentioned: [JANE.id] });
    expect(cardMentions(card('hi \\<at>Jane Doe</at>', []))).toEqual({ mentioned: [] });
    expect(cardMentions(card('hi <at>Mallory</at>', [entity]))).toEqual({
      problem: 'the card shows <at>Mallory</at> but no entity mentions it',
    });
    expect(cardMentions(card('hi', [entity]))).toEqual({
      problem: 'the entity for <at>Jane Doe</at> matches no text in the card',
    });
    const response = await fetch(teams.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: card('<at>Mallory</at>', []),
          },
        ],
      }),
    });
    expect(response.status).toBe(400);
    expect(teams.calls).toEqual([
      'refused: the card shows <at>Mallory</at> but no entity mentions it',
    ]);
  });
});
