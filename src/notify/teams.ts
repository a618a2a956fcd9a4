// The Microsoft Teams message for a notice: an Adaptive Card 1.5 in the envelope a Teams
// Workflows ("When a Teams webhook request is received") webhook takes. Payload text goes
// into TextRuns of RichTextBlocks, which Adaptive Cards never read as markdown; the one
// TextBlock (the heading) has its markdown characters backslash-escaped. Nothing here
// mentions anyone: a Teams mention needs an `msteams.entities` entry, which is never built.
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
  msteams?: { width: 'Full' };
}

/** Backslash before the markdown characters a TextBlock reads. */
export function escapeTeamsMarkdown(text: string): string {
  return neutraliseBroadcasts(escapeMarkdownLine(clean(text)));
}

/** Text for a TextRun (never markdown): cleaned, clipped, broadcasts inert. */
export function teamsRunText(text: string, max: number): string {
  return neutraliseBroadcasts(clip(clean(text), max));
}

const fact = (name: string, value: string): Record<string, unknown> => ({
  type: 'RichTextBlock',
  inlines: [
    { type: 'TextRun', text: `${name}: `, weight: 'Bolder' },
    { type: 'TextRun', text: teamsRunText(value || '-', 200) },
  ],
});

export function teamsMessage(notice: Notice): TeamsEnvelope {
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
    msteams: { width: 'Full' },
  };
  const link = safeLink(notice.link);
  if (link) card.actions = [{ type: 'Action.OpenUrl', title: 'Open incident', url: link }];
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }],
  };
}
