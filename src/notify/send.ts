// Delivers a notice to each configured channel. A channel that fails never fails the
// incident: every outcome is one line for the status comment, and nothing here throws.
// URLs and tokens are credentials, so no line quotes one: a line is built only from the
// channel's configured name, the step, an HTTP status or an error code.
//
// Update in place: Slack through the bot API (chat.postMessage once, chat.update of its ts
// after, a thread reply per state change) and Discord (execute with ?wait=true for the
// message id, then PATCH /messages/{id}). A Slack incoming webhook cannot edit what it
// posted (Slack gives it no message ts), so each notice there is a new message; Teams
// Workflows webhooks and the generic webhook are the same.
//
// Mentions: a channel's configured mention rides only on a needs-human notice. An edit
// notifies nobody in Slack or Discord, so an incident already posted that comes to need a
// person gets a new message that pings (Slack: the thread reply; Discord: a short message).
import type { Logger, LogLevel, WebClient } from '@slack/web-api';
import { discordMentionMessage, discordMessage } from './discord.js';
import type { TeamsMention } from './mentions.js';
import type { ChannelRefs, MessageRefs, Notice } from './notice.js';
import { slackMessage, slackStateReply } from './slack.js';
import { teamsMessage } from './teams.js';
import { signWebhook, webhookBody } from './webhook.js';

export type NotifyChannel =
  | {
      kind: 'slack-bot';
      name: string;
      /** The bot token (xoxb-…), read from the secret the configuration names. */
      token: string;
      /** Channel id (C…), or a name the bot is in; the posted message's id is kept. */
      channel: string;
      mention?: string;
      /** Slack's Web API base; tests point it at the emulator. */
      apiUrl?: string;
    }
  | { kind: 'slack-webhook'; name: string; url: string; mention?: string }
  | {
      kind: 'discord';
      name: string;
      url: string;
      /** `user:<id>` or `role:<id>`, pinged on needs-human. */
      mention?: string;
    }
  | { kind: 'teams'; name: string; url: string; mention?: TeamsMention }
  | { kind: 'webhook'; name: string; url: string; secret: string };

export interface SendOptions {
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** The clock the webhook signature's timestamp is read from. */
  now?: () => number;
}

export interface ChannelResult {
  /** The channel's configured name and kind. */
  name: string;
  kind: NotifyChannel['kind'];
  ok: boolean;
  /** One line for the status comment, naming the channel, never its URL or token. */
  line: string;
  /** The references to keep for the next notice (empty for channels without edits). */
  refs: MessageRefs;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Every channel, concurrently, each with its own references; the references kept for the
 * incident record, by channel name (a channel not sent to this time keeps its own).
 */
export async function sendToAll(
  channels: readonly NotifyChannel[],
  notice: Notice,
  refs: ChannelRefs = {},
  options: SendOptions = {},
): Promise<{ results: ChannelResult[]; refs: ChannelRefs }> {
  const results = await Promise.all(
    channels.map((c) => sendNotice(c, notice, refs[c.name] ?? {}, options)),
  );
  const now = new Map(results.map((r) => [r.name, r.refs]));
  const kept: ChannelRefs = {};
  for (const [name, one] of Object.entries(refs)) if (!now.has(name)) kept[name] = one;
  for (const [name, one] of now) if (Object.keys(one).length) kept[name] = one;
  return { results, refs: kept };
}

export async function sendNotice(
  channel: NotifyChannel,
  notice: Notice,
  refs: MessageRefs = {},
  options: SendOptions = {},
): Promise<ChannelResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const label = `${channel.kind} channel ${JSON.stringify(channel.name)}`;
  const outcome = await deliver(channel, notice, refs, options, timeoutMs, label);
  return { name: channel.name, kind: channel.kind, ...outcome };
}

async function deliver(
  channel: NotifyChannel,
  notice: Notice,
  refs: MessageRefs,
  options: SendOptions,
  timeoutMs: number,
  label: string,
): Promise<Outcome> {
  try {
    switch (channel.kind) {
      case 'slack-bot':
        return await slackBot(channel, notice, refs, timeoutMs, label);
      case 'slack-webhook': {
        const body = { ...slackMessage(notice, { mention: channel.mention }), ...NO_UNFURL };
        return await simplePost(label, channel.url, JSON.stringify(body), {}, timeoutMs);
      }
      case 'discord':
        return await discord(channel, notice, refs, timeoutMs, label);
      case 'teams':
        return await simplePost(
          label,
          channel.url,
          JSON.stringify(teamsMessage(notice, { mention: channel.mention })),
          {},
          timeoutMs,
        );
      case 'webhook': {
        const body = JSON.stringify(webhookBody(notice));
        const headers = signWebhook(body, channel.secret, (options.now ?? Date.now)());
        return await simplePost(label, channel.url, body, headers, timeoutMs);
      }
    }
  } catch (error) {
    // A bug of ours, not the channel's: still one line, still no URL.
    return failed(label, `failed (${errorName(error)})`);
  }
}

/** What a channel's handler returns; sendNotice adds the name and kind. */
type Outcome = Omit<ChannelResult, 'name' | 'kind'>;

const failed = (label: string, why: string, refs: MessageRefs = {}): Outcome => ({
  ok: false,
  line: `${label}: ${why}`,
  refs,
});
const sent = (label: string, what: string, refs: MessageRefs = {}): Outcome => ({
  ok: true,
  line: `${label}: ${what}`,
  refs,
});

/** A fetch that never throws: a Response, or why none came, as a few words. */
async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response | string> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'has no valid URL';
  }
  try {
    return await fetch(target, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return unreachable(error, timeoutMs);
  }
}

/** Why a request got no answer, from error names and codes only (messages can hold the URL). */
function unreachable(error: unknown, timeoutMs: number): string {
  const name = errorName(error);
  if (name === 'TimeoutError' || name === 'AbortError')
    return `did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code =
    typeof cause?.code === 'string' && /^[A-Z_]{2,40}$/.test(cause.code) ? cause.code : name;
  return `could not be reached (${code})`;
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'Error';
}

/** A short word from a response body (an error code like `invalid_blocks`), never more. */
async function bodyCode(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  return /^[a-z_]{2,40}$/.test(text) ? ` (${text})` : '';
}

async function simplePost(
  label: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Outcome> {
  const response = await request(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
    timeoutMs,
  );
  if (typeof response === 'string') return failed(label, response);
  if (!response.ok) return failed(label, `answered ${response.status}${await bodyCode(response)}`);
  await response.body?.cancel();
  return sent(label, 'sent');
}

async function discord(
  channel: Extract<NotifyChannel, { kind: 'discord' }>,
  notice: Notice,
  refs: MessageRefs,
  timeoutMs: number,
  label: string,
): Promise<Outcome> {
  const { url } = channel;
  const options = { mention: channel.mention };
  const init = (method: string, message = discordMessage(notice, options)): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  const previous = refs.discord?.messageId;
  if (previous) {
    const edit = await request(
      webhookPath(url, `messages/${previous}`, false),
      init('PATCH'),
      timeoutMs,
    );
    if (typeof edit === 'string')
      return failed(label, `edit ${edit}`, refs.discord ? { discord: refs.discord } : {});
    await edit.body?.cancel();
    const kept = { discord: { messageId: previous } };
    if (edit.ok) {
      const ping =
        notice.previousState !== 'needs-human' ? discordMentionMessage(notice, options) : undefined;
      if (!ping) return sent(label, 'updated in place', kept);
      const posted = await request(webhookPath(url, '', false), init('POST', ping), timeoutMs);
      if (typeof posted === 'string')
        return failed(label, `updated in place, but the mention ${posted}`, kept);
      await posted.body?.cancel();
      if (!posted.ok)
        return failed(label, `updated in place, but the mention answered ${posted.status}`, kept);
      return sent(label, 'updated in place, the mention posted as a new message', kept);
    }
    // Deleted by someone (404 Unknown Message): post a new one below.
    if (edit.status !== 404)
      return failed(label, `edit answered ${edit.status}`, { discord: { messageId: previous } });
  }
  const post = await request(webhookPath(url, '', true), init('POST'), timeoutMs);
  if (typeof post === 'string') return failed(label, post);
  if (!post.ok) return failed(label, `answered ${post.status}`);
  const message = (await post.json().catch(() => undefined)) as { id?: unknown } | undefined;
  const id =
    typeof message?.id === 'string' && /^\d{1,25}$/.test(message.id) ? message.id : undefined;
  if (!id) return failed(label, 'posted, but the answer had no message id: it cannot be updated');
  return sent(label, previous ? 'posted anew (the old message is gone)' : 'posted', {
    discord: { messageId: id },
  });
}

/** The webhook URL with a path below it, keeping its query (thread_id); `wait=true` to post. */
function webhookPath(url: string, sub: string, wait: boolean): string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return url;
  }
  if (sub) target.pathname = `${target.pathname.replace(/\/$/, '')}/${sub}`;
  if (wait) target.searchParams.set('wait', 'true');
  return target.href;
}

/** Slack's own error codes are short snake_case words; anything else is not quoted. */
function slackError(error: unknown, timeoutMs: number): string {
  const e = error as {
    code?: string;
    data?: { error?: unknown };
    statusCode?: unknown;
    original?: unknown;
  };
  switch (e?.code) {
    case 'slack_webapi_platform_error': {
      const code = e.data?.error;
      return typeof code === 'string' && /^[a-z_]{2,60}$/.test(code) ? code : 'an error';
    }
    case 'slack_webapi_http_error':
      return `HTTP ${Number(e.statusCode) || 'error'}`;
    case 'slack_webapi_rate_limited_error':
      return 'rate limited';
    case 'slack_webapi_request_error': {
      const original = e.original as { name?: unknown; message?: unknown } | undefined;
      return original?.name === UNREACHABLE && typeof original.message === 'string'
        ? original.message
        : unreachable(original, timeoutMs);
    }
    default:
      return errorName(error);
  }
}

/** Loads the Slack client only when a bot channel is configured: its code is not small. */
async function slackClient(
  token: string,
  apiUrl: string | undefined,
  timeoutMs: number,
): Promise<WebClient> {
  const { WebClient } = await import('@slack/web-api');
  return new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    timeout: timeoutMs,
    // One attempt: the next report run is the retry, and a run must not wait 30 minutes.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: silentLogger,
    fetch: async (input, init) => {
      try {
        return await fetch(input, init);
      } catch (error) {
        // Classified here, where the error still has its cause: the client rewraps a
        // failure it does not recognise as an Error (one from another realm, as under a
        // test runner) into a bare message, and the cause's code is lost.
        const classified = new Error(unreachable(error, timeoutMs));
        classified.name = UNREACHABLE;
        throw classified;
      }
    },
  });
}

const UNREACHABLE = 'KubemendUnreachable';

// The client logs request failures with their messages; those can carry the URL.
const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => 'error' as LogLevel,
  setName: () => {},
};

/** Slack would fetch a preview of a URL in payload text: an attacker's server, at that. */
const NO_UNFURL = { unfurl_links: false, unfurl_media: false } as const;

const MESSAGE_GONE = ['message_not_found', 'cant_update_message', 'edit_window_closed'];

async function slackBot(
  channel: Extract<NotifyChannel, { kind: 'slack-bot' }>,
  notice: Notice,
  refs: MessageRefs,
  timeoutMs: number,
  label: string,
): Promise<Outcome> {
  const client = await slackClient(channel.token, channel.apiUrl, timeoutMs);
  const message = slackMessage(notice, { mention: channel.mention });
  const previous = refs.slack;
  if (previous) {
    let gone = false;
    try {
      await client.chat.update({
        channel: previous.channel,
        ts: previous.ts,
        ...message,
        link_names: false,
      });
    } catch (error) {
      const why = slackError(error, timeoutMs);
      if (!MESSAGE_GONE.includes(why))
        return failed(label, `chat.update failed: ${why}`, { slack: previous });
      gone = true;
    }
    if (!gone) {
      if (!notice.previousState || notice.previousState === notice.state)
        return sent(label, 'updated in place', { slack: previous });
      try {
        await client.chat.postMessage({
          channel: previous.channel,
          thread_ts: previous.ts,
          ...slackStateReply(notice, { mention: channel.mention }),
          ...NO_UNFURL,
          link_names: false,
        });
      } catch (error) {
        return failed(
          label,
          `updated in place, but the thread reply failed: ${slackError(error, timeoutMs)}`,
          { slack: previous },
        );
      }
      return sent(label, 'updated in place, state change replied in thread', { slack: previous });
    }
  }
  try {
    const posted = await client.chat.postMessage({
      channel: channel.channel,
      ...message,
      ...NO_UNFURL,
      link_names: false,
    });
    const ts =
      typeof posted.ts === 'string' && /^\d+\.\d+$/.test(posted.ts) ? posted.ts : undefined;
    const id = typeof posted.channel === 'string' ? posted.channel : undefined;
    if (!ts || !id) return failed(label, 'posted, but the answer had no ts: it cannot be updated');
    return sent(label, previous ? 'posted anew (the old message is gone)' : 'posted', {
      slack: { channel: id, ts },
    });
  } catch (error) {
    return failed(label, `chat.postMessage failed: ${slackError(error, timeoutMs)}`);
  }
}
