// A local stand-in for GitHub Models' chat completions endpoint (OpenAI-compatible,
// `POST <base>/chat/completions`, base https://models.github.ai/inference), written from
// the published request shape, not from kubemend's sender. It refuses what the real
// service would refuse, and what would be a bug in the sender even where the service is
// lenient: a missing or wrong bearer token, a model ID not in publisher/name form, a
// message list without a user message or with an unknown role, an unbounded or huge
// max_tokens, streaming, and properties outside the known set. An accepted request gets
// a canned completion; `fail` makes the next one answer 500 or never answer.
import { listen, type Answer, type Received, type Receiver } from '../notify/http.js';

export interface ModelsEndpointOptions {
  /** The bearer token the endpoint accepts. */
  token: string;
  /** The completion's text; settable later through `answer`. */
  answer?: string;
  /** Largest max_tokens accepted. Default 1000. */
  maxTokens?: number;
}

export interface ModelsEndpoint extends Receiver {
  /** The base URL a client is given (the path before /chat/completions). */
  readonly url: string;
  /** Every request that reached a handler, as received (raw body included). */
  readonly received: Received[];
  /** Bodies accepted, parsed. */
  readonly accepted: ChatRequest[];
  /** `accepted` or `refused: <reason>`, in order. */
  readonly calls: string[];
  /** The next completions' text. */
  answer: string;
  /** The bearer token accepted from now on. */
  token: string;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant']);
const KNOWN = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'stream',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
]);
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Why the request is refused, or undefined for a valid one. */
export function chatRequestProblem(body: unknown, maxTokens = 1000): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'body is not a JSON object';
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !KNOWN.has(k));
  if (unknown) return `unknown property ${unknown}`;
  if (typeof b.model !== 'string' || !MODEL_ID.test(b.model))
    return 'model must be a publisher/name model ID';
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return 'messages must be a non-empty list';
  for (const [i, m] of (b.messages as unknown[]).entries()) {
    const msg = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role))
      return `messages[${i}].role must be system, developer, user or assistant`;
    if (typeof msg.content !== 'string' || msg.content.trim() === '')
      return `messages[${i}].content must be non-empty text`;
  }
  if (!(b.messages as { role: string }[]).some((m) => m.role === 'user'))
    return 'messages hold no user message';
  const limit = b.max_tokens ?? b.max_completion_tokens;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > maxTokens)
    return `max_tokens must be an integer from 1 to ${maxTokens}`;
  if (b.stream === true) return 'streaming is not supported here';
  return undefined;
}

export async function startModelsEndpoint(options: ModelsEndpointOptions): Promise<ModelsEndpoint> {
  const received: Received[] = [];
  const accepted: ChatRequest[] = [];
  const calls: string[] = [];
  let served = 0;
  const refuse = (status: number, reason: string): Answer => {
    calls.push(`refused: ${reason}`);
    return { status, body: { error: { message: reason, type: 'invalid_request_error' } } };
  };
  const state = {
    answer: options.answer ?? 'The pods crash because a setting is missing.',
    token: options.token,
  };

  const handle = (request: Received): Answer => {
    received.push(request);
    if (request.method !== 'POST' || request.url.split('?')[0] !== '/inference/chat/completions')
      return refuse(404, `no route ${request.method} ${request.url}`);
    if (request.headers.authorization !== `Bearer ${state.token}`)
      return refuse(401, 'missing or wrong bearer token');
    if (!String(request.headers['content-type']).startsWith('application/json'))
      return refuse(415, 'content-type is not application/json');
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const problem = chatRequestProblem(body, options.maxTokens);
    if (problem) return refuse(400, problem);
    const chat = body as ChatRequest;
    accepted.push(chat);
    calls.push('accepted');
    served++;
    return {
      status: 200,
      body: {
        id: `chatcmpl-sim-${served}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: chat.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: state.answer, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    };
  };

  const receiver = await listen(handle);
  return {
    ...receiver,
    url: `${receiver.base}/inference`,
    received,
    accepted,
    calls,
    get answer() {
      return state.answer;
    },
    set answer(text: string) {
      state.answer = text;
    },
    get token() {
      return state.token;
    },
    set token(token: string) {
      state.token = token;
    },
  };
}
