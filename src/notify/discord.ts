// The Discord message for a notice: one embed, posted through a webhook and later edited
// in place by its id. `allowed_mentions: { parse: [] }` stops every ping whatever the text
// says; the text is escaped too, so it also reads as typed: markdown characters get a
// backslash (no bold, code, masked `[text](url)` links, spoilers, headings or quotes) and
// `<@…>`, `<#…>`, `<t:…>` tags lose their meaning with an escaped `<`.
import type { APIEmbed, RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import type { IncidentState } from '../incidents/states.js';
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

export function discordMessage(notice: Notice): RESTPostAPIWebhookWithTokenJSONBody {
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
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}
