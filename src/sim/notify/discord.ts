// A Discord webhook emulator on loopback: execute (POST /api/webhooks/{id}/{token}, with
// `?wait=true` answering the message object, without it 204) and edit (PATCH …/messages/
// {message.id}), with Discord's documented message and embed limits and its error shapes
// (50006 empty message, 50035 invalid form body, 10008 unknown message, 10015 unknown
// webhook). It also works out who a message pings, as Discord does: only mentions in the
// content (an embed's never ping), each only when `allowed_mentions` permits it (without
// the field, a webhook's content may ping anyone it names), never one escaped with a
// backslash, and only when the message is created (an edit notifies nobody).

import { listen, type Answer, type Received, type Receiver } from './http.js';

export interface DiscordMessageRecord {
  id: string;
  content?: string;
  embeds: Record<string, unknown>[];
  allowed_mentions?: unknown;
  /** The thread it was posted in (`?thread_id=`), which an edit must name too. */
  thread_id?: string;
  edits: number;
  /**
   * The mentions the message shows now, as `user:<id>`, `role:<id>` or `everyone`: those in
   * its content that allowed_mentions permits (an edit changes them but pings nobody).
   */
  mentions: string[];
}

export interface DiscordEmulator extends Receiver {
  /** The webhook URL, as Discord shows it: …/api/webhooks/{id}/{token}. */
  readonly webhookUrl: string;
  readonly messages: DiscordMessageRecord[];
  /** `execute`, `edit`, or with the error: `edit: 10008 Unknown Message`. */
  readonly calls: string[];
  /** Every notification sent, in order: `user:<id>`, `role:<id>` or `everyone`. */
  readonly pings: string[];
  remove(id: string): void;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
};

/** Discord's limits, as `errors` paths like Discord's 50035 answer names them. */
export function embedErrors(body: Json): string[] {
  const errors: string[] = [];
  if (
    body.content !== undefined &&
    (typeof body.content !== 'string' || body.content.length > LIMITS.content)
  )
    errors.push('content: Must be 2000 or fewer in length.');
  if (body.embeds === undefined) return errors;
  if (!Array.isArray(body.embeds) || body.embeds.length > LIMITS.embeds) {
    errors.push('embeds: Must be 10 or fewer in length.');
    return errors;
  }
  let total = 0;
  const len = (v: unknown): number => (typeof v === 'string' ? v.length : 0);
  body.embeds.forEach((embed, i) => {
    const at = `embeds.${i}`;
    if (!isObject(embed)) return void errors.push(`${at}: Must be an object.`);
    const check = (value: unknown, path: string, max: number, required = false): void => {
      if (value === undefined) {
        if (required) errors.push(`${path}: This field is required`);
        return;
      }
      if (typeof value !== 'string') errors.push(`${path}: Must be a string.`);
      else if (value.length > max) errors.push(`${path}: Must be ${max} or fewer in length.`);
      else if (required && value.trim() === '') errors.push(`${path}: This field is required`);
      total += len(value);
    };
    check(embed.title, `${at}.title`, LIMITS.title);
    check(embed.description, `${at}.description`, LIMITS.description);
    if (
      embed.url !== undefined &&
      (typeof embed.url !== 'string' || !/^https?:\/\//.test(embed.url))
    )
      errors.push(`${at}.url: Not a well formed URL.`);
    if (
      embed.color !== undefined &&
      (!Number.isInteger(embed.color) ||
        (embed.color as number) < 0 ||
        (embed.color as number) > 0xffffff)
    )
      errors.push(`${at}.color: Int value should be between 0 and 16777215.`);
    if (embed.footer !== undefined) {
      if (!isObject(embed.footer)) errors.push(`${at}.footer: Must be an object.`);
      else check(embed.footer.text, `${at}.footer.text`, LIMITS.footer, true);
    }
    if (embed.author !== undefined) {
      if (!isObject(embed.author)) errors.push(`${at}.author: Must be an object.`);
      else check(embed.author.name, `${at}.author.name`, LIMITS.author, true);
    }
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields)) errors.push(`${at}.fields: Must be an array.`);
      else {
        if (embed.fields.length > LIMITS.fields)
          errors.push(`${at}.fields: Must be 25 or fewer in length.`);
        embed.fields.forEach((field, j) => {
          if (!isObject(field)) return void errors.push(`${at}.fields.${j}: Must be an object.`);
          check(field.name, `${at}.fields.${j}.name`, LIMITS.fieldName, true);
          check(field.value, `${at}.fields.${j}.value`, LIMITS.fieldValue, true);
          if (field.inline !== undefined && typeof field.inline !== 'boolean')
            errors.push(`${at}.fields.${j}.inline: Must be a boolean.`);
        });
      }
    }
  });
  if (total > LIMITS.total) errors.push('embeds: Embed size exceeds maximum size of 6000');
  return errors;
}

const MENTION_TYPES = ['users', 'roles', 'everyone'];

/** Discord's checks of allowed_mentions, as its 50035 answer names them. */
export function allowedMentionsErrors(value: unknown): string[] {
  if (value === undefined) return [];
  if (!isObject(value)) return ['allowed_mentions: Must be an object.'];
  const errors: string[] = [];
  const parse = value.parse ?? [];
  if (!Array.isArray(parse) || parse.some((p) => !MENTION_TYPES.includes(p as string)))
    errors.push('allowed_mentions.parse: Value must be one of {users, roles, everyone}.');
  for (const kind of ['users', 'roles'] as const) {
    const ids = value[kind];
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !/^\d{17,20}$/.test(id)))
      errors.push(`allowed_mentions.${kind}: Must be a list of snowflakes.`);
    else if (ids.length > 100)
      errors.push(`allowed_mentions.${kind}: Must be 100 or fewer in length.`);
    // Discord refuses both ways of allowing one kind at once.
    if (Array.isArray(parse) && parse.includes(kind))
      errors.push(`allowed_mentions: parse:["${kind}"] and ${kind}: [ids] are mutually exclusive.`);
  }
  return errors;
}

/**
 * Who a message's content mentions that allowed_mentions lets through: `<@id>` or `<@!id>`
 * (a user), `<@&id>` (a role), `@everyone` or `@here`; a backslash before one makes it text.
 */
export function permittedMentions(content: unknown, allowed: unknown): string[] {
  if (typeof content !== 'string') return [];
  const rules = isObject(allowed) ? allowed : undefined;
  const parse = rules
    ? Array.isArray(rules.parse)
      ? (rules.parse as unknown[])
      : []
    : MENTION_TYPES;
  const listed = (kind: 'users' | 'roles', id: string): boolean =>
    parse.includes(kind) ||
    (Array.isArray(rules?.[kind]) && (rules[kind] as unknown[]).includes(id));
  const out: string[] = [];
  for (const m of content.matchAll(/(\\?)(?:<@(!?|&)(\d{17,20})>|@(everyone|here)\b)/g)) {
    if (m[1]) continue;
    const mention = m[4]
      ? parse.includes('everyone') && 'everyone'
      : m[2] === '&'
        ? listed('roles', m[3]!) && `role:${m[3]}`
        : listed('users', m[3]!) && `user:${m[3]}`;
    if (mention && !out.includes(mention)) out.push(mention);
  }
  return out;
}

export async function startDiscordEmulator(): Promise<DiscordEmulator> {
  const webhookId = '1300000000000000001';
  const webhookToken = 'emulator-webhook-token-0123456789';
  const base = `/api/webhooks/${webhookId}/${webhookToken}`;
  const messages: DiscordMessageRecord[] = [];
  const calls: string[] = [];
  const pings: string[] = [];
  let next = 1_400_000_000_000_000_000n;

  const validate = (request: Received): Json | Answer => {
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return {
        status: 400,
        body: { code: 50109, message: 'The request body contains invalid JSON.' },
      };
    }
    if (!isObject(body))
      return {
        status: 400,
        body: { code: 50109, message: 'The request body contains invalid JSON.' },
      };
    const errors = [...embedErrors(body), ...allowedMentionsErrors(body.allowed_mentions)];
    if (errors.length)
      return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } };
    const hasContent = typeof body.content === 'string' && body.content.length > 0;
    const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
    if (!hasContent && !hasEmbeds)
      return { status: 400, body: { code: 50006, message: 'Cannot send an empty message' } };
    return body;
  };

  const asMessage = (m: DiscordMessageRecord): Json => ({
    id: m.id,
    type: 0,
    channel_id: '1200000000000000001',
    webhook_id: webhookId,
    content: m.content ?? '',
    embeds: m.embeds,
    author: { id: webhookId, username: 'kubemend', bot: true },
    timestamp: new Date(0).toISOString(),
    edited_timestamp: m.edits ? new Date(0).toISOString() : null,
  });

  const answer = (call: string, a: Answer): Answer => {
    const code =
      isObject(a.body) && typeof a.body.code === 'number'
        ? `: ${a.body.code} ${String(a.body.message)}`
        : '';
    calls.push(`${call}${code}`);
    return a;
  };

  const handle = (request: Received): Answer => {
    const url = new URL(request.url, 'http://emulator');
    if (!url.pathname.startsWith(base))
      return answer('unknown', { status: 404, body: { code: 10015, message: 'Unknown Webhook' } });
    const rest = url.pathname.slice(base.length);
    if (rest === '' && request.method === 'POST') {
      const body = validate(request);
      if ('status' in body && typeof body.status === 'number')
        return answer('execute', body as Answer);
      const b = body as Json;
      next += 1n;
      const record: DiscordMessageRecord = {
        id: String(next),
        ...(typeof b.content === 'string' ? { content: b.content } : {}),
        embeds: (b.embeds as Json[] | undefined) ?? [],
        allowed_mentions: b.allowed_mentions,
        ...(url.searchParams.get('thread_id')
          ? { thread_id: url.searchParams.get('thread_id')! }
          : {}),
        edits: 0,
        mentions: permittedMentions(b.content, b.allowed_mentions),
      };
      messages.push(record);
      pings.push(...record.mentions);
      return answer(
        'execute',
        url.searchParams.get('wait') === 'true'
          ? { status: 200, body: asMessage(record) }
          : { status: 204 },
      );
    }
    const edit = /^\/messages\/(\d+)$/.exec(rest);
    if (edit && request.method === 'PATCH') {
      // A message in a thread is only found when the edit names the thread, as on Discord.
      const thread = url.searchParams.get('thread_id') ?? undefined;
      const message = messages.find((m) => m.id === edit[1] && m.thread_id === thread);
      if (!message)
        return answer('edit', { status: 404, body: { code: 10008, message: 'Unknown Message' } });
      const body = validate(request);
      if ('status' in body && typeof body.status === 'number')
        return answer('edit', body as Answer);
      const b = body as Json;
      if (typeof b.content === 'string') message.content = b.content;
      if (Array.isArray(b.embeds)) message.embeds = b.embeds as Json[];
      if (b.allowed_mentions !== undefined) message.allowed_mentions = b.allowed_mentions;
      // What the edited message shows; Discord sends no notification for an edit.
      message.mentions = permittedMentions(message.content, message.allowed_mentions);
      message.edits += 1;
      return answer('edit', { status: 200, body: asMessage(message) });
    }
    return answer('unknown', {
      status: 405,
      body: { code: 0, message: '405: Method Not Allowed' },
    });
  };

  const receiver = await listen(handle);
  return {
    ...receiver,
    webhookUrl: `${receiver.base}${base}`,
    messages,
    calls,
    pings,
    remove(id: string) {
      const i = messages.findIndex((m) => m.id === id);
      if (i >= 0) messages.splice(i, 1);
    },
  };
}
