// The Slack message for a notice, as Block Kit. Slack parses `&`, `<` and `>` as control
// characters in every text object (its "Escaping text" rules), so payload text has exactly
// those three turned into entities: `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`,
// `<#C…>` and `<url|text>` then show as typed and neither ping nor link. Payload text only
// goes into plain_text objects, which Slack never formats, so `*bold*` or `` ` `` stay
// characters. The one mrkdwn text is ours: the mention, only for needs-human, and only of an
// id that has the shape of a Slack user or user-group id.
import type { KnownBlock } from '@slack/types';
import type { Notice } from './notice.js';
import { clean, clipEscaped, heading, neutraliseBroadcasts, safeLink } from './text.js';

export interface SlackMessage {
  /** The notification and fallback text. */
  text: string;
  blocks: KnownBlock[];
}

export interface SlackOptions {
  /** A user (`U…`/`W…`) or user group (`S…`) id to mention when a person must act. */
  mention?: string;
}

/** Slack's three control characters as entities, and broadcast names made inert. */
export function escapeSlack(text: string): string {
  return neutraliseBroadcasts(
    clean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  );
}

/**
 * Escapes, then cuts to `max` characters without splitting an entity (Slack counts the
 * escaped text against its limits).
 */
export function slackText(text: string, max: number): string {
  return clipEscaped(escapeSlack(text), max);
}

/** The mrkdwn mention for an id, or undefined when it is not a Slack user or group id. */
export function slackMention(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/^[UW][A-Z0-9]{2,20}$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,20}$/.test(id)) return `<!subteam^${id}>`;
  return undefined;
}

const plain = (text: string): { type: 'plain_text'; text: string; emoji: false } => ({
  type: 'plain_text',
  text,
  emoji: false,
});

export function slackMessage(notice: Notice, options: SlackOptions = {}): SlackMessage {
  const title = heading(notice.number, notice.title);
  const reasons = notice.reasons.length ? notice.reasons.map((r) => `• ${r}`).join('\n') : '';
  const blocks: KnownBlock[] = [
    // Header text is plain_text only, at most 150 characters.
    { type: 'header', text: plain(slackText(title, 150)) },
    {
      type: 'section',
      fields: [
        plain(`State: ${slackText(notice.state, 100)}`),
        plain(`Severity: ${slackText(notice.severity, 100)}`),
        plain(`Cluster: ${slackText(notice.cluster, 200)}`),
        plain(`Category: ${slackText(notice.category, 100)}`),
      ],
    },
  ];
  if (reasons) blocks.push({ type: 'section', text: plain(slackText(reasons, 3000)) });
  const mention = notice.state === 'needs-human' ? slackMention(options.mention) : undefined;
  if (mention)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${mention} a person must act on this incident` },
    });
  const link = safeLink(notice.link);
  if (link)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'kubemend-open-incident',
          text: plain('Open incident'),
          url: link,
        },
      ],
    });
  blocks.push({
    type: 'context',
    elements: [plain(`kubemend · ${slackText(notice.key, 200)}`)],
  });
  return {
    text: `kubemend: ${slackText(title, 200)} is ${slackText(notice.state, 50)}`,
    blocks,
  };
}

/**
 * The thread reply for a state change: one line, with the first reason. An edit in place
 * notifies nobody, so the mention for needs-human rides on this reply.
 */
export function slackStateReply(notice: Notice, options: SlackOptions = {}): SlackMessage {
  const from = notice.previousState ? `${notice.previousState} → ` : '';
  const reason = notice.reasons[0] ? `: ${notice.reasons[0]}` : '';
  const line = `${from}${notice.state}${reason}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: plain(slackText(line, 3000)) }];
  const mention = notice.state === 'needs-human' ? slackMention(options.mention) : undefined;
  if (mention)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${mention} a person must act on this incident` },
    });
  return { text: slackText(line, 200), blocks };
}
