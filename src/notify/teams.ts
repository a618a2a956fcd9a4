// The Microsoft Teams message for a notice: an Adaptive Card 1.5 in the envelope a Teams
// Workflows ("When a Teams webhook request is received") webhook takes. Payload text goes
// into TextRuns of RichTextBlocks, which Adaptive Cards never read as markdown; the one
// TextBlock (the heading) has its markdown characters backslash-escaped. A Teams mention
// is an `<at>NAME</at>` in a TextBlock plus an `msteams.entities` entry naming the user;
// the one entry built is the configured user's, only while the incident needs a person,
// in a TextBlock of our own text. Payload text can never complete a tag: the heading's
// `<` is backslash-escaped and a TextRun's `<at` gets a zero-width space.
import { teamsMention, type TeamsMention } from './mentions.js';
import type { Notice } from './notice.js';
import {
  clean,
  clip,
  escapeMarkdownLine,
  heading,
  neutraliseBroadcasts,
  safeLink,
} from './text.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsEnvelope {
  type: 'message';
  attachments: {
    contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.5';
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  msteams?: { width: 'Full'; entities?: MentionEntity[] };
}

/** What Teams reads to turn `<at>NAME</at>` in the card's text into a mention. */
export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface TeamsOptions {
  /** The user mentioned only when a person must act. */
  mention?: TeamsMention;
}

/** Backslash before the markdown characters a TextBlock reads. */
export function escapeTeamsMarkdown(text: string): string {
  return neutraliseBroadcasts(escapeMarkdownLine(clean(text)));
}

/** A zero-width space after `<` keeps an `<at>` tag in payload text from being one. */
const inertAtTags = (text: string): string => text.replace(/<(\/?at\b)/gi, '<\u200b$1');

/** Text for a TextRun (never markdown): cleaned, clipped, broadcasts and `<at>` inert. */
export function teamsRunText(text: string, max: number): string {
  return inertAtTags(neutraliseBroadcasts(clip(clean(text), max)));
}

const fact = (name: string, value: string): Record<string, unknown> => ({
  type: 'RichTextBlock',
  inlines: [
    { type: 'TextRun', text: `${name}: `, weight: 'Bolder' },
    { type: 'TextRun', text: teamsRunText(value || '-', 200) },
  ],
});

export function teamsMessage(notice: Notice, options: TeamsOptions = {}): TeamsEnvelope {
  const escapedTitle = escapeTeamsMarkdown(clip(heading(notice.number, notice.title), 300));
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: escapedTitle, weight: 'Bolder', size: 'Medium', wrap: true },
    fact('State', notice.state),
    fact('Severity', notice.severity),
    fact('Cluster', notice.cluster),
    fact('Category', notice.category),
  ];
  for (const reason of notice.reasons.slice(0, 20))
    body.push({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: teamsRunText(`• ${reason}`, 2000) }],
    });
  const mention = notice.state === 'needs-human' ? teamsMention(options.mention) : undefined;
  const entities: MentionEntity[] = [];
  if (mention) {
    const at = `<at>${mention.name}</at>`;
    body.push({ type: 'TextBlock', text: `${at} a person must act on this incident`, wrap: true });
    entities.push({ type: 'mention', text: at, mentioned: { id: mention.id, name: mention.name } });
  }
  body.push({
    type: 'TextBlock',
    text: escapeTeamsMarkdown(`kubemend · ${clip(notice.key, 200)}`),
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body,
    msteams: entities.length ? { width: 'Full', entities } : { width: 'Full' },
  };
  const link = safeLink(notice.link);
  if (link) card.actions = [{ type: 'Action.OpenUrl', title: 'Open incident', url: link }];
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
}
