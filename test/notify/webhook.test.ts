// The generic webhook against a receiver written from the signing spec: the signature
// verifies, and a tampered body, a wrong secret, a stale timestamp or a replay is refused.
import { sendNotice, type NotifyChannel } from '../../src/notify/send.js';
import { signWebhook, webhookBody } from '../../src/notify/webhook.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sim/notify/webhook.js';
import { NOTICE } from './support.js';

const SECRET = 'whsec-kubemend-test-0123456789';
const NOW = Date.parse('2026-12-01T03:00:00Z');

describe('the generic webhook', () => {
  let receiver: WebhookReceiver;
  let clock = NOW;
  beforeEach(async () => {
    clock = NOW;
    receiver = await startWebhookReceiver({ secret: SECRET, now: () => clock });
  });
  afterEach(async () => {
    await receiver.close();
  });
  const channel = (secret = SECRET): NotifyChannel => ({
    kind: 'webhook',
    name: 'pager',
    url: receiver.url,
    secret,
  });
  const lower = (h: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

  it('signs the JSON body so the receiver verifies it, and the body carries the notice', async () => {
    const result = await sendNotice(channel(), NOTICE, {}, { now: () => clock });
    expect(result).toEqual({
      name: 'pager',
      kind: 'webhook',
      ok: true,
      line: 'webhook channel "pager": sent',
      refs: {},
    });
    expect(receiver.calls).toEqual(['accepted']);
    expect(receiver.accepted).toEqual([
      {
        version: 1,
        event: 'incident.notice',
        incident: {
          key: 'kubemend-7f3a9c',
          number: 42,
          title: 'OOMKilled: payments/api',
          cluster: 'prod-eu-1',
          severity: 'critical',
          category: 'oom',
          state: 'firing',
          previousState: null,
          reasons: ['the container was killed for memory 4 times in 10 minutes'],
          link: NOTICE.link,
        },
      },
    ]);
  });

  it('is refused with a wrong secret, and the channel says so in one line', async () => {
    const result = await sendNotice(channel('another-secret'), NOTICE, {}, { now: () => clock });
    expect(result.line).toBe('webhook channel "pager": answered 401');
    expect(receiver.calls).toEqual(['refused: signature mismatch']);
  });

  it('refuses a tampered body, a timestamp more than 5 minutes off, and the same request twice', () => {
    const body = JSON.stringify(webhookBody(NOTICE));
    const headers = lower(signWebhook(body, SECRET, clock));
    expect(headers['x-kubemend-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headers['x-kubemend-timestamp']).toBe(String(NOW / 1000));
    expect(receiver.verify(headers, body.replace('firing', 'resolved'))).toBe('signature mismatch');
    // The timestamp is signed too: moving it breaks the signature.
    expect(
      receiver.verify({ ...headers, 'x-kubemend-timestamp': String(NOW / 1000 + 1) }, body),
    ).toBe('signature mismatch');
    expect(receiver.verify(lower(signWebhook(body, SECRET, clock - 301_000)), body)).toBe(
      'timestamp outside the tolerance',
    );
    expect(receiver.verify(lower(signWebhook(body, SECRET, clock + 301_000)), body)).toBe(
      'timestamp outside the tolerance',
    );
    expect(
      receiver.verify(lower(signWebhook(body, SECRET, clock - 299_000)), body),
    ).toBeUndefined();
    expect(receiver.verify(headers, body)).toBeUndefined();
    expect(receiver.verify(headers, body)).toBe('replayed');
    expect(receiver.verify({ 'x-kubemend-timestamp': headers['x-kubemend-timestamp'] }, body)).toBe(
      'missing or malformed signature',
    );
  });

  it('is refused when the sender’s clock is stale, over HTTP', async () => {
    const result = await sendNotice(channel(), NOTICE, {}, { now: () => clock - 10 * 60_000 });
    expect(result.line).toBe('webhook channel "pager": answered 401');
    expect(receiver.calls).toEqual(['refused: timestamp outside the tolerance']);
  });
});
