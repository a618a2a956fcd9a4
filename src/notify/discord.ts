// The Discord message for a notice: one embed, posted through a webhook and later edited
// in place by its id. `allowed_mentions` with `parse: []` stops every ping the text could
// ask for; it lists the one configured user or role only while the incident needs a
// person, and the message content (never the embed: Discord pings from content only)
// then carries that one tag. The text is escaped too, so it also reads as typed: markdown
// characters get a backslash (no bold, code, masked `[text](url)` links, spoilers,
// headings or quotes) and `<@…>`, `<#…>`, `<t:…>` tags lose their meaning with an escaped `<`.
import type {
  APIAllowedMentions,
  APIEmbed,
  RESTPostAPIWebhookWithTokenJSONBody,
} from 'discord-api-types/v10';
import type { IncidentState } from '../incidents/states.js';
import { discordMention, type DiscordMention } from './mentions.js';
import type { Notice } from './notice.js';
import {
  clean,
  clip,
  clipEscaped,
  escapeMarkdownLine,
  heading,
  neutraliseBroadcasts,
  safeLink,
} from './text.js';

/** Discord's limits (embed title 256, description 4096, field value 1024, footer 2048). */
export const DISCORD_LIMITS = { title: 256, description: 4096, fieldValue: 1024, footer: 2048 };

const COLOURS: Record<IncidentState, number> = {
  firing: 0xe01e5a,
  acting: 0xecb22e,
  proposed: 0x2eb6ec,
  'dry-run': 0x8a8a8a,
  resolved: 0x2eb67d,
  recovered: 0x2eb67d,
  'needs-human': 0xe01e5a,
  snoozed: 0x8a8a8a,
  stale: 0x8a8a8a,
};

/**
 * Backslash before every character Discord's markdown gives a meaning to inline, and
 * before a list, heading or subtext marker at the start of a line.
 */
export function escapeDiscord(text: string): string {
  return neutraliseBroadcasts(escapeMarkdownLine(clean(text)));
}

/** Escapes, then cuts without leaving a lone backslash at the end. */
export function discordText(text: string, max: number): string {
  return clipEscaped(escapeDiscord(text), max);
}

export interface DiscordOptions {
  /** `user:<id>` or `role:<id>`, mentioned only when a person must act. */
  mention?: string;
}

/** The tag Discord renders as a mention of the user or role. */
const tag = (m: DiscordMention): string => (m.kind === 'role' ? `<@&${m.id}>` : `<@${m.id}>`);

/** Nothing parsed from the text; the one mention, when there is one, listed by id. */
function allowedMentions(mention: DiscordMention | undefined): APIAllowedMentions {
  if (!mention) return { parse: [] };
  return mention.kind === 'role'
    ? { parse: [], roles: [mention.id] }
    : { parse: [], users: [mention.id] };
}

/** The configured mention while the incident needs a person; otherwise none. */
export function discordNoticeMention(
  notice: Notice,
  options: DiscordOptions,
): DiscordMention | undefined {
  return notice.state === 'needs-human' ? discordMention(options.mention) : undefined;
}

export function discordMessage(
  notice: Notice,
  options: DiscordOptions = {},
): RESTPostAPIWebhookWithTokenJSONBody {
  const link = safeLink(notice.link);
  const reasons = notice.reasons.map((r) => `• ${r}`).join('\n');
  const embed: APIEmbed = {
    title: discordText(heading(notice.number, notice.title), DISCORD_LIMITS.title),
    color: COLOURS[notice.state],
    fields: [
      { name: 'State', value: discordText(notice.state, 100), inline: true },
      { name: 'Severity', value: discordText(notice.severity || '-', 100), inline: true },
      { name: 'Cluster', value: discordText(notice.cluster || '-', 200), inline: true },
      { name: 'Category', value: discordText(notice.category || '-', 100), inline: true },
    ],
    footer: { text: neutraliseBroadcasts(clip(`kubemend · ${clean(notice.key)}`, 200)) },
  };
  if (reasons) embed.description = discordText(reasons, DISCORD_LIMITS.description);
  if (link) embed.url = link;
  const mention = discordNoticeMention(notice, options);
  return {
    // Always sent, empty when nobody is mentioned: an edit that leaves content out keeps
    // the old content, and with it a mention for a state the incident has left.
    content: mention ? `${tag(mention)} a person must act on this incident` : '',
    embeds: [embed],
    allowed_mentions: allowedMentions(mention),
  };
}

/**
 * The message that pings when an incident already posted comes to need a person: Discord
 * notifies nobody of a mention an edit adds, so the edited message shows the mention and
 * this new one, naming the incident by number and link only, sends the notification.
 */
export function discordMentionMessage(
  notice: Notice,
  options: DiscordOptions = {},
): RESTPostAPIWebhookWithTokenJSONBody | undefined {
  const mention = discordNoticeMention(notice, options);
  if (!mention) return undefined;
  const which = notice.number === undefined ? 'this incident' : `incident #${notice.number}`;
  const link = safeLink(notice.link);
  // `<url>` links without a preview; safeLink's href has `<`, `>` and spaces encoded.
  const where = link ? `: <${link}>` : '';
  return {
    content: `${tag(mention)} a person must act on ${which}${where}`,
    allowed_mentions: allowedMentions(mention),
  };
}
