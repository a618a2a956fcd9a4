// A Microsoft Teams Workflows webhook receiver on loopback: it takes the envelope a
// "When a Teams webhook request is received" flow takes (`type: 'message'`, attachments of
// content type `application/vnd.microsoft.card.adaptive`), answers 202 like the flow's
// trigger, and refuses with 400 a card that Microsoft's own Adaptive Cards library
// (`adaptivecards`) reports problems with: its parser's events (unknown element types,
// invalid values) and its property validation (missing required properties, duplicate
// ids), for schema version 1.5, the newest Teams renders. It also works out who a card
// mentions, as Teams does: an `msteams.entities` mention turns the same `<at>…</at>` text
// in the card into a mention of its user (Teams reads TextBlocks and FactSets; this
// receiver reads TextRuns too, to be strict). Mentions kubemend did not mean are refused:
// an entity whose tag is nowhere in the card, or an `<at>` tag with no entity (Teams shows
// it as text, so only payload text could put it there).
import { createRequire } from 'node:module';
import type * as AdaptiveCards from 'adaptivecards';
import { listen, type Answer, type Received, type Receiver } from './http.js';

// The package's ESM build (lib/) imports its files without extensions, which Node's ESM
// loader refuses; its UMD build (dist/) is the same library as one CommonJS file.
const require = createRequire(import.meta.url);
let library: typeof AdaptiveCards | undefined;
const cards = (): typeof AdaptiveCards =>
  (library ??= require('adaptivecards/dist/adaptivecards.min.js') as typeof AdaptiveCards);

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsEmulator extends Receiver {
  /** A Workflows webhook URL (the real ones are long, signed logic.azure.com URLs). */
  readonly webhookUrl: string;
  /** Each accepted card's content. */
  readonly cards: Record<string, unknown>[];
  /** `accepted`, or `refused: <first problem>`. */
  readonly calls: string[];
  /** For each accepted card, the id of every user it mentions, once per tag shown. */
  readonly mentioned: string[][];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems Microsoft's library finds in a card, at schema 1.5. */
export function adaptiveCardErrors(card: unknown): string[] {
  if (!isObject(card)) return ['the attachment content is not an object'];
  const errors: string[] = [];
  if (card.type !== 'AdaptiveCard') errors.push('content.type must be "AdaptiveCard"');
  const version = typeof card.version === 'string' ? /^(\d+)\.(\d+)$/.exec(card.version) : null;
  if (!version) errors.push('content.version must be a version like "1.5"');
  else if (Number(version[1]) > 1 || Number(version[2]) > 5)
    errors.push(`content.version ${String(card.version)} is newer than 1.5, which Teams renders`);
  const AC = cards();
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) errors.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) errors.push(event.message);
  return errors;
}

/** Every TextBlock's, TextRun's and fact's text in a card, however deep. */
function cardTexts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) cardTexts(child, out);
  else if (isObject(node)) {
    if ((node.type === 'TextBlock' || node.type === 'TextRun') && typeof node.text === 'string')
      out.push(node.text);
    // A FactSet's facts: { title, value }.
    if (typeof node.title === 'string' && typeof node.value === 'string')
      out.push(node.title, node.value);
    for (const [key, value] of Object.entries(node)) if (key !== 'msteams') cardTexts(value, out);
  }
  return out;
}

/**
 * The users a card mentions (one entry per `<at>` tag an entity resolves), or the problem
 * with its mentions. An `<at>` escaped with a backslash is text, not a tag.
 */
export function cardMentions(card: unknown): { mentioned: string[] } | { problem: string } {
  if (!isObject(card)) return { mentioned: [] };
  const msteams = isObject(card.msteams) ? card.msteams : {};
  const entities = msteams.entities ?? [];
  if (!Array.isArray(entities)) return { problem: 'msteams.entities must be an array' };
  const byTag = new Map<string, string>();
  for (const [i, e] of entities.entries()) {
    const mentioned = isObject(e) && isObject(e.mentioned) ? e.mentioned : undefined;
    if (
      !isObject(e) ||
      e.type !== 'mention' ||
      typeof e.text !== 'string' ||
      !/^<at>[^<>]+<\/at>$/.test(e.text) ||
      typeof mentioned?.id !== 'string' ||
      typeof mentioned.name !== 'string'
    )
      return {
        problem: `msteams.entities[${i}] must be { type: "mention", text: "<at>…</at>", mentioned: { id, name } }`,
      };
    byTag.set(e.text, mentioned.id);
  }
  const found: string[] = [];
  const shown = new Set<string>();
  for (const text of cardTexts(card.body))
    for (const m of text.matchAll(/(\\?)(<at>[^<>]*<\/at>)/gi)) {
      if (m[1]) continue;
      const id = byTag.get(m[2]!);
      if (id === undefined) return { problem: `the card shows ${m[2]} but no entity mentions it` };
      found.push(id);
      shown.add(m[2]!);
    }
  for (const tag of byTag.keys())
    if (!shown.has(tag)) return { problem: `the entity for ${tag} matches no text in the card` };
  return { mentioned: found };
}

export async function startTeamsEmulator(): Promise<TeamsEmulator> {
  const path = '/workflows/kubemend-emulator/triggers/manual/paths/invoke';
  const accepted: Json[] = [];
  const calls: string[] = [];
  const mentioned: string[][] = [];

  const refuse = (why: string): Answer => {
    calls.push(`refused: ${why}`);
    return { status: 400, body: { error: { code: 'InvalidRequestContent', message: why } } };
  };

  const handle = (request: Received): Answer => {
    if (request.method !== 'POST' || request.url.split('?')[0] !== path)
      return { status: 404, body: { error: { code: 'NotFound', message: 'no flow here' } } };
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return refuse('the body is not JSON');
    }
    if (!isObject(body) || body.type !== 'message') return refuse('type must be "message"');
    if (!Array.isArray(body.attachments) || body.attachments.length === 0)
      return refuse('attachments must be a non-empty array');
    for (const attachment of body.attachments) {
      if (!isObject(attachment) || attachment.contentType !== CARD_CONTENT_TYPE)
        return refuse(`each attachment's contentType must be ${CARD_CONTENT_TYPE}`);
      const errors = adaptiveCardErrors(attachment.content);
      if (errors.length) return refuse(errors.join('; '));
      const mentions = cardMentions(attachment.content);
      if ('problem' in mentions) return refuse(mentions.problem);
    }
    for (const attachment of body.attachments as Json[]) {
      accepted.push(attachment.content as Json);
      mentioned.push((cardMentions(attachment.content) as { mentioned: string[] }).mentioned);
    }
    calls.push('accepted');
    return { status: 202 };
  };

  const receiver = await listen(handle);
  return {
    ...receiver,
    webhookUrl: `${receiver.base}${path}?api-version=1`,
    cards: accepted,
    calls,
    mentioned,
  };
}
