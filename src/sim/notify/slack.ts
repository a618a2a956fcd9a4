// A Slack emulator on loopback: the three Web API methods kubemend calls (auth.test,
// chat.postMessage, chat.update) the way Slack answers them (HTTP 200 with `ok`, an
// `error` code when not), and an incoming webhook (text `ok`, or 400 with the code). Point
// `WebClient`'s `slackApiUrl` at `apiUrl`. The bot token is checked in `Authorization:
// Bearer` (or the `token` field, which Slack also takes); blocks are checked against
// Block Kit's rules (block-kit.ts).
import { blockKitErrors } from './block-kit.js';
import { formOrJson, listen, type Answer, type Received, type Receiver } from './http.js';

export interface SlackMessageRecord {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  /** How many times chat.update changed it. */
  updates: number;
  /** The posting options that matter for safety, as sent (`"false"` from a form). */
  unfurl_links?: string;
  unfurl_media?: string;
  link_names?: string;
}

export interface SlackEmulatorOptions {
  token?: string;
  /** Channel names (with #) and their ids; ids are accepted as they are. */
  channels?: Record<string, string>;
}

export interface SlackEmulator extends Receiver {
  /** For WebClient's `slackApiUrl`. */
  readonly apiUrl: string;
  /** An incoming webhook URL posting into the first channel. */
  readonly webhookUrl: string;
  readonly token: string;
  /** Every message, top-level and in threads, in posting order. */
  readonly messages: SlackMessageRecord[];
  /** Every call and its answer's `error`, if any: `chat.update: message_not_found`. */
  readonly calls: string[];
  /** Deletes a message, as a person in the channel might. */
  remove(ts: string): void;
}

export async function startSlackEmulator(
  options: SlackEmulatorOptions = {},
): Promise<SlackEmulator> {
  const token = options.token ?? 'xoxb-0000000000-kubemend-emulator';
  const channels = options.channels ?? { '#incidents': 'C0KUBEMEND' };
  const ids = new Set(Object.values(channels));
  const messages: SlackMessageRecord[] = [];
  const calls: string[] = [];
  let clock = 1_765_000_000;
  const hookPath = '/services/T0KUBEMEND/B0KUBEMEND/emulatorwebhooksecret';

  const channelId = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    if (ids.has(value)) return value;
    return channels[value.startsWith('#') ? value : `#${value}`];
  };

  const content = (
    body: Record<string, unknown>,
  ): { error?: string; text?: string; blocks?: unknown[]; detail?: string[] } => {
    let blocks: unknown;
    try {
      blocks = typeof body.blocks === 'string' ? JSON.parse(body.blocks) : body.blocks;
    } catch {
      return { error: 'invalid_blocks_format' };
    }
    const text = typeof body.text === 'string' ? body.text : undefined;
    if (blocks !== undefined) {
      const detail = blockKitErrors(blocks);
      if (detail.length) return { error: 'invalid_blocks', detail };
    }
    if (!text && (!Array.isArray(blocks) || blocks.length === 0)) return { error: 'no_text' };
    if (text && text.length > 40_000) return { error: 'msg_too_long' };
    return { text, blocks: blocks as unknown[] | undefined };
  };

  const api = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://kubemend-emulator.slack.com/',
          team: 'kubemend',
          user: 'kubemend',
          team_id: 'T0KUBEMEND',
          user_id: 'U0KUBEMEND',
          bot_id: 'B0KUBEMEND',
        };
      case 'chat.postMessage': {
        const channel = channelId(body.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const c = content(body);
        if (c.error)
          return { ok: false, error: c.error, ...(c.detail ? { errors: c.detail } : {}) };
        let thread: string | undefined;
        if (body.thread_ts !== undefined) {
          const parent = messages.find(
            (m) => m.channel === channel && m.ts === body.thread_ts && !m.thread_ts,
          );
          if (!parent) return { ok: false, error: 'thread_not_found' };
          thread = parent.ts;
        }
        clock += 1;
        const ts = `${clock}.000100`;
        const record: SlackMessageRecord = {
          channel,
          ts,
          text: c.text,
          blocks: c.blocks,
          updates: 0,
          ...flags(body),
        };
        if (thread) record.thread_ts = thread;
        messages.push(record);
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            text: c.text ?? '',
            ts,
            ...(thread ? { thread_ts: thread } : {}),
          },
        };
      }
      case 'chat.update': {
        const channel = channelId(body.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const message = messages.find((m) => m.channel === channel && m.ts === body.ts);
        if (!message) return { ok: false, error: 'message_not_found' };
        const c = content(body);
        if (c.error)
          return { ok: false, error: c.error, ...(c.detail ? { errors: c.detail } : {}) };
        message.text = c.text;
        message.blocks = c.blocks;
        message.updates += 1;
        return { ok: true, channel, ts: message.ts, text: c.text ?? '' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const handle = (request: Received): Answer => {
    const path = request.url.split('?')[0] ?? '';
    if (path === hookPath) return incomingWebhook(request);
    if (request.method !== 'POST' || !path.startsWith('/api/'))
      return { status: 404, body: { ok: false, error: 'unknown_method' } };
    const method = path.slice('/api/'.length);
    let body: Record<string, unknown>;
    try {
      body = formOrJson(request);
    } catch {
      calls.push(`${method}: invalid_json`);
      return { status: 200, body: { ok: false, error: 'invalid_json' } };
    }
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const given = bearer ?? (typeof body.token === 'string' ? body.token : undefined);
    const answer = !given
      ? { ok: false, error: 'not_authed' }
      : given !== token
        ? { ok: false, error: 'invalid_auth' }
        : api(method, body);
    calls.push(answer.ok ? method : `${method}: ${String(answer.error)}`);
    return { status: 200, body: answer };
  };

  // Incoming webhooks answer in text: `ok`, or a status with the error code.
  const incomingWebhook = (request: Received): Answer => {
    if (request.method !== 'POST') return { status: 405, body: 'invalid_method' };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      calls.push('webhook: invalid_payload');
      return { status: 400, body: 'invalid_payload' };
    }
    const c = content(body);
    if (c.error) {
      calls.push(`webhook: ${c.error}`);
      return { status: 400, body: c.error };
    }
    clock += 1;
    messages.push({
      channel: [...ids][0] ?? 'C0KUBEMEND',
      ts: `${clock}.000100`,
      text: c.text,
      blocks: c.blocks,
      updates: 0,
      ...flags(body),
    });
    calls.push('webhook');
    return { status: 200, body: 'ok' };
  };

  const receiver = await listen(handle);
  return {
    ...receiver,
    base: receiver.base,
    apiUrl: `${receiver.base}/api/`,
    webhookUrl: `${receiver.base}${hookPath}`,
    token,
    messages,
    calls,
    remove(ts: string) {
      const i = messages.findIndex((m) => m.ts === ts);
      if (i >= 0) messages.splice(i, 1);
    },
  };
}

function flags(
  body: Record<string, unknown>,
): Pick<SlackMessageRecord, 'unfurl_links' | 'unfurl_media' | 'link_names'> {
  const out: Record<string, string> = {};
  for (const key of ['unfurl_links', 'unfurl_media', 'link_names'])
    if (body[key] !== undefined) out[key] = String(body[key]);
  return out;
}
