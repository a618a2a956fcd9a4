// Hostile payload text in every format: broadcast names, Slack and Discord mention tags,
// masked and angle-bracket links, markdown, a javascript: link, and text far over every
// limit. Each expected string is what the chat app is sent, character for character.
import { discordMessage, escapeDiscord } from '../../src/notify/discord.js';
import { escapeSlack, slackMessage } from '../../src/notify/slack.js';
import { escapeTeamsMarkdown, teamsMessage } from '../../src/notify/teams.js';
import { webhookBody } from '../../src/notify/webhook.js';
import { HOSTILE_LINES, hostileNotice, NOTICE } from './support.js';

const Z = '\u200b';

describe('hostile text in notifications', () => {
  it('is escaped for Slack: &, < and > as entities, broadcast names broken by a zero-width space', () => {
    expect(HOSTILE_LINES.map(escapeSlack)).toEqual([
      `@${Z}channel @${Z}here @${Z}everyone`,
      '&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U123&gt; &lt;#C123&gt; &lt;!subteam^S123&gt;',
      '[x](javascript:alert(1)) &lt;https://evil.example|click&gt;',
      // Payload text only goes into plain_text objects, which Slack never formats.
      '*bold* _it_ ~strike~ `code` ||spoiler|| # heading',
      '- list',
      '1. numbered',
      '# heading',
      '-# small print',
      '&gt; quote &amp; &lt;tag&gt;',
    ]);
    const message = slackMessage(hostileNotice(), { mention: 'S0ONCALL' });
    expect(message.text).toBe(
      `kubemend: #42 &lt;!channel&gt; @${Z}everyone [pwn](https://evil.example) *urgent* is firing`,
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: `#42 &lt;!channel&gt; @${Z}everyone [pwn](https://evil.example) *urgent*`,
        emoji: false,
      },
    });
    const texts = JSON.stringify(message.blocks);
    // Every text object is plain_text (no mention for a firing incident), and the
    // javascript: link is not a button.
    expect(texts).not.toContain('mrkdwn');
    expect(texts).not.toContain('javascript:alert(1)"');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
  });

  it('is escaped for Discord: markdown backslashed, tags inert, no mention parsed', () => {
    expect(HOSTILE_LINES.map(escapeDiscord)).toEqual([
      `@${Z}channel @${Z}here @${Z}everyone`,
      '\\<!channel\\> \\<!here\\> \\<!everyone\\> \\<@U123\\> \\<#C123\\> \\<!subteam^S123\\>',
      '\\[x\\]\\(javascript:alert\\(1\\)\\) \\<https://evil.example\\|click\\>',
      '\\*bold\\* \\_it\\_ \\~strike\\~ \\`code\\` \\|\\|spoiler\\|\\| # heading',
      '\\- list',
      '1\\. numbered',
      '\\# heading',
      '\\-# small print',
      '\\> quote & \\<tag\\>',
    ]);
    const body = discordMessage(hostileNotice());
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds!;
    expect(embed!.title).toBe(
      `#42 \\<!channel\\> @${Z}everyone \\[pwn\\]\\(https://evil.example\\) \\*urgent\\*`,
    );
    expect(embed!.fields![2]).toEqual({ name: 'Cluster', value: '\\<@U999\\> prod', inline: true });
    expect(embed!.url).toBeUndefined();
  });

  it('is escaped for Teams: the heading’s markdown backslashed, other text in TextRuns that are never markdown', () => {
    expect(HOSTILE_LINES.map(escapeTeamsMarkdown)).toEqual(HOSTILE_LINES.map(escapeDiscord));
    const card = teamsMessage(hostileNotice()).attachments[0]!.content;
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: `#42 \\<!channel\\> @${Z}everyone \\[pwn\\]\\(https://evil.example\\) \\*urgent\\*`,
    });
    expect(card.body[3]).toEqual({
      type: 'RichTextBlock',
      inlines: [
        { type: 'TextRun', text: 'Cluster: ', weight: 'Bolder' },
        { type: 'TextRun', text: '<@U999> prod' },
      ],
    });
    expect(card.body[5]).toEqual({
      type: 'RichTextBlock',
      inlines: [
        {
          type: 'TextRun',
          text: `• ${HOSTILE_LINES.join('\n').replace(/@(channel|here|everyone)/g, `@${Z}$1`)}`,
        },
      ],
    });
    expect(card.actions).toBeUndefined();
  });

  it('is sent as data in the generic webhook, with a javascript: link dropped', () => {
    const body = webhookBody(hostileNotice());
    expect(body.incident.title).toBe('<!channel> @everyone [pwn](https://evil.example) *urgent*');
    expect(body.incident.link).toBeNull();
  });

  it('is cut to each format’s limits without leaving half an escape', () => {
    const long = { ...NOTICE, title: '&'.repeat(1000), reasons: ['*'.repeat(10_000)] };
    const slack = slackMessage(long);
    const header = (slack.blocks[0] as { text: { text: string } }).text.text;
    expect(header).toMatch(/^#42 (&amp;)+…$/);
    expect(header.length).toBeLessThanOrEqual(150);
    const reasons = (slack.blocks[2] as { text: { text: string } }).text.text;
    expect(reasons).toMatch(/^• \*+…$/);
    expect(reasons.length).toBe(3000);

    const embed = discordMessage({ ...long, title: '*'.repeat(1000) }).embeds![0]!;
    expect(embed.title).toMatch(/^#42 (\\\*)+…$/);
    expect(embed.title!.length).toBeLessThanOrEqual(256);
    expect(embed.description).toMatch(/^• (\\\*)+…$/);
    expect(embed.description!.length).toBeLessThanOrEqual(4096);
  });

  it('has secrets in payload text redacted before any format renders it', () => {
    const notice = {
      ...NOTICE,
      reasons: ['connect failed: postgres://app:hunter2secret@db:5432/app'],
    };
    for (const rendered of [
      JSON.stringify(slackMessage(notice)),
      JSON.stringify(discordMessage(notice)),
      JSON.stringify(teamsMessage(notice)),
      JSON.stringify(webhookBody(notice)),
    ])
      expect(rendered).not.toContain('hunter2secret');
  });
});
