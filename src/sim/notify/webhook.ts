// A receiver for kubemend's generic webhook, written from the signing spec alone (docs:
// the webhook section of the notifications guide), not from the sender's code:
//
//   X-Kubemend-Timestamp: unix seconds
//   X-Kubemend-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// It refuses (401) a missing or malformed header, a timestamp more than `toleranceSeconds`
// from its clock, a signature that does not match, and a signature it has already accepted
// inside the window (a replay).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { listen, type Answer, type Received, type Receiver } from './http.js';

export interface WebhookReceiverOptions {
  secret: string;
  /** Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** The receiver's clock, in ms. */
  now?: () => number;
}

export interface WebhookReceiver extends Receiver {
  readonly url: string;
  /** Bodies accepted, parsed. */
  readonly accepted: unknown[];
  /** `accepted` or `refused: <reason>`. */
  readonly calls: string[];
  /** Checks one request as the server does (for requests replayed by a test). */
  verify(headers: Record<string, string | undefined>, body: string): string | undefined;
}

export async function startWebhookReceiver(
  options: WebhookReceiverOptions,
): Promise<WebhookReceiver> {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Date.now;
  const accepted: unknown[] = [];
  const calls: string[] = [];
  /** Accepted signatures and when they stop mattering (their timestamp + tolerance). */
  const seen = new Map<string, number>();

  /** Why the request is refused, or undefined when it is authentic and fresh. */
  const verify = (
    headers: Record<string, string | undefined>,
    body: string,
  ): string | undefined => {
    const timestamp = headers['x-kubemend-timestamp'];
    const signature = headers['x-kubemend-signature'];
    if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing or malformed timestamp';
    const hex = /^sha256=([0-9a-f]{64})$/.exec(signature ?? '')?.[1];
    if (!hex) return 'missing or malformed signature';
    const nowSeconds = Math.floor(now() / 1000);
    if (Math.abs(nowSeconds - Number(timestamp)) > tolerance)
      return 'timestamp outside the tolerance';
    const expected = createHmac('sha256', options.secret).update(`${timestamp}.${body}`).digest();
    if (!timingSafeEqual(expected, Buffer.from(hex, 'hex'))) return 'signature mismatch';
    for (const [sig, until] of seen) if (until < nowSeconds) seen.delete(sig);
    if (seen.has(hex)) return 'replayed';
    seen.set(hex, Number(timestamp) + tolerance);
    return undefined;
  };

  const handle = (request: Received): Answer => {
    if (request.method !== 'POST') return { status: 405 };
    const headers = {
      'x-kubemend-timestamp': header(request, 'x-kubemend-timestamp'),
      'x-kubemend-signature': header(request, 'x-kubemend-signature'),
    };
    const refused = verify(headers, request.body);
    if (refused) {
      calls.push(`refused: ${refused}`);
      return { status: 401, body: { error: refused } };
    }
    try {
      accepted.push(JSON.parse(request.body));
    } catch {
      calls.push('refused: body is not JSON');
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    calls.push('accepted');
    return { status: 204 };
  };

  const receiver = await listen(handle);
  return { ...receiver, url: `${receiver.base}/kubemend`, accepted, calls, verify };
}

function header(request: Received, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
