// Text rules every format shares. Payload text (titles, reasons, cluster and category
// names) comes from alerts and cluster objects: it is hostile. Each format escapes its own
// markup; these helpers do what is the same everywhere.
import { redact } from '../shared/redact.js';

const ELLIPSIS = '…';

/** At most `max` characters (code points never split), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - 1)).join('') + ELLIPSIS;
}

/**
 * `@everyone`, `@here` and `@channel` ping a whole room in chat apps that parse plain
 * names (Discord always, Slack with `link_names` or legacy `parse: full`); a zero-width
 * space after the `@` keeps them readable and inert.
 */
export function neutraliseBroadcasts(text: string): string {
  return text.replace(/@(everyone|here|channel)\b/gi, '@\u200b$1');
}

/** Redacted, control characters other than newline and tab removed. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return redact(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** The link only when it is an absolute http(s) URL; `javascript:` and the like are dropped. */
export function safeLink(link: string): string | undefined {
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** "#12 title" or "title". */
export function heading(number: number | undefined, title: string): string {
  return number === undefined ? title : `#${number} ${title}`;
}

/**
 * Markdown made literal with CommonMark's backslash escapes (Discord and Adaptive Card
 * TextBlocks both honour them): the inline markers everywhere, and a block marker (list,
 * heading, numbered item) at the start of a line.
 */
export function escapeMarkdownLine(text: string): string {
  return text
    .replace(/[\\*_~`|[\]()<>]/g, '\\$&')
    .replace(/^(\s*)(-#|[-+]|#{1,6})(?=\s)/gm, '$1\\$2')
    .replace(/^(\s*\d+)\.(?=\s)/gm, '$1\\.');
}

/**
 * Cuts escaped text to `max` characters without leaving half an escape behind: a lone
 * trailing backslash, or a broken `&amp;`-style entity.
 */
export function clipEscaped(escaped: string, max: number): string {
  if (Array.from(escaped).length <= max) return escaped;
  let body = clip(escaped, max).slice(0, -ELLIPSIS.length);
  const slashes = /\\*$/.exec(body)?.[0].length ?? 0;
  if (slashes % 2 === 1) body = body.slice(0, -1);
  body = body.replace(/&[a-z]{0,3}$/, '');
  return body + ELLIPSIS;
}
