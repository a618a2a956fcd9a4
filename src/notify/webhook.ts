// The generic webhook: the notice as JSON, signed so the receiver knows it came from
// kubemend and is fresh. The scheme is Stripe's and Slack's:
//
//   X-Kubemend-Timestamp: <unix seconds>
//   X-Kubemend-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// To verify (docs/notifications.md carries the same recipe):
//   1. Read both headers and the raw body bytes, before any JSON parsing.
//   2. Reject when the timestamp is not an integer, or differs from your clock by more
//      than 300 seconds (5 minutes): a captured request cannot be replayed later.
//   3. Compute HMAC-SHA256 with the shared secret over `${timestamp}.${body}` and compare
//      its hex digest with the header's (after `sha256=`) in constant time.
//   4. Within the 5 minutes, reject a signature already seen (keep the seen ones for
//      5 minutes): the same request cannot be replayed twice inside the window.
// The body's text is the notice's, redacted but not escaped: the receiver escapes it for
// wherever it shows it.
import { createHmac } from 'node:crypto';
import type { Notice } from './notice.js';
import { clean, clip, safeLink } from './text.js';

export const TIMESTAMP_HEADER = 'X-Kubemend-Timestamp';
export const SIGNATURE_HEADER = 'X-Kubemend-Signature';
/** How far a receiver should let the timestamp be from its own clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface WebhookBody {
  /** The body's schema version: fields are only added within a version. */
  version: 1;
  event: 'incident.notice';
  incident: {
    key: string;
    number: number | null;
    title: string;
    cluster: string;
    severity: string;
    category: string;
    state: string;
    previousState: string | null;
    reasons: string[];
    link: string | null;
  };
}

export function webhookBody(notice: Notice): WebhookBody {
  const text = (t: string, max = 1000): string => clip(clean(t), max);
  return {
    version: 1,
    event: 'incident.notice',
    incident: {
      key: text(notice.key, 200),
      number: notice.number ?? null,
      title: text(notice.title, 500),
      cluster: text(notice.cluster, 200),
      severity: text(notice.severity, 100),
      category: text(notice.category, 100),
      state: notice.state,
      previousState: notice.previousState ?? null,
      reasons: notice.reasons.slice(0, 20).map((r) => text(r, 2000)),
      link: safeLink(notice.link) ?? null,
    },
  };
}

/** The two signing headers for a body sent at `nowMs`. */
export function signWebhook(body: string, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${digest}` };
}
