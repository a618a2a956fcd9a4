// The optional chat notification: one message to a Slack or Discord incoming webhook when
// the incident's state changes. The URL is the credential: it is masked, and no error
// quotes it.
import type { IncidentState } from './state.js';

export async function notify(
  url: URL,
  message: { state: IncidentState; title: string; link: string; reasons: string[] },
): Promise<string | undefined> {
  const text =
    `kubemend: ${message.title} is ${message.state}. ${message.reasons[0] ?? ''} ${message.link}`
      // Chat markup in alert text must not ping channels or people.
      .replace(/[<>@]/g, '')
      .slice(0, 1800);
  const discord = /(^|\.)discord(app)?\.com$/.test(url.hostname);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(discord ? { content: text, allowed_mentions: { parse: [] } } : { text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) return `the notify webhook answered ${response.status}`;
    return undefined;
  } catch (error) {
    return `the notify webhook could not be reached (${(error as Error).name})`;
  }
}
