// A Microsoft Teams Workflows webhook receiver on loopback: it takes the envelope a
// "When a Teams webhook request is received" flow takes (`type: 'message'`, attachments of
// content type `application/vnd.microsoft.card.adaptive`), answers 202 like the flow's
// trigger, and refuses with 400 a card that Microsoft's own Adaptive Cards library
// (`adaptivecards`) reports problems with: its parser's events (unknown element types,
// invalid values) and its property validation (missing required properties, duplicate
// ids), for schema version 1.5, the newest Teams renders.
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

export async function startTeamsEmulator(): Promise<TeamsEmulator> {
  const path = '/workflows/kubemend-emulator/triggers/manual/paths/invoke';
  const accepted: Json[] = [];
  const calls: string[] = [];

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
    }
    for (const attachment of body.attachments as Json[]) accepted.push(attachment.content as Json);
    calls.push('accepted');
    return { status: 202 };
  };

  const receiver = await listen(handle);
  return {
    ...receiver,
    webhookUrl: `${receiver.base}${path}?api-version=1`,
    cards: accepted,
    calls,
  };
}
