// Payload text is hostile until escaped. Everything an alert says reaches GitHub through
// these functions: no HTML, no @mentions or #references that ping, no forged kubemend
// markers, no table or code-fence breakouts, and no links: GitHub autolinks a bare URL,
// so a phishing link would stand under the bot's name and an issue URL would add a
// cross-reference to that issue's timeline. URLs are shown as code, readable and inert.

const ZWSP = '\u200b';

/** Text that cannot be a kubemend marker, an HTML comment or a mention. */
function defuse(text: string): string {
  return (
    text
      // A hidden marker is how kubemend finds its own sections; payloads never write one.
      .replace(/<!--/g, `<!${ZWSP}--`)
      .replace(/-->/g, `--${ZWSP}>`)
      // @user and @org/team ping people; a zero-width space keeps the text, drops the ping.
      .replace(/@(?=[A-Za-z0-9-])/g, `@${ZWSP}`)
      // #12 and GH-12 link the payload's text to another issue's timeline.
      .replace(/#(?=\d)/g, `#${ZWSP}`)
      .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWSP}`)
  );
}

/**
 * What GitHub autolinks: a scheme and `://`, or `www.` (emails lose their `@` in defuse).
 * Like GitHub, trailing punctuation ends the URL rather than joining it.
 */
const URL_LIKE = /\b(?:[a-z][a-z0-9+.-]{0,31}:\/\/|www\.)(?:[^\s<>]*[^\s<>.,:;!?'")\]*_~])?/gi;

/**
 * A URL as inline code: nothing in a code span is a link. `|` and backticks are
 * percent-encoded so the span cannot end early or split a table cell; the URL still reads
 * the same and pastes into a browser the same.
 */
export function inertUrl(url: string): string {
  const safe = url.replace(/[`|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `\`${safe}\``;
}

/** Inline text for a paragraph or a table cell: Markdown and HTML made literal, on one line. */
export function inline(text: string | undefined, max = 300): string {
  if (text === undefined || text === '') return '';
  const one = text.replace(/\s+/g, ' ').trim();
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  let out = '';
  let at = 0;
  for (const m of cut.matchAll(URL_LIKE)) {
    out += literal(cut.slice(at, m.index), at === 0) + inertUrl(m[0]);
    at = m.index + m[0].length;
  }
  return out + literal(cut.slice(at), at === 0);
}

/** Text made literal; `first`: it starts the line, where block syntax would apply. */
function literal(text: string, first: boolean): string {
  const escaped = defuse(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()|~])/g, '\\$1');
  return first
    ? // Block syntax only matters at the start of a line: a heading, a list item.
      escaped.replace(/^[#+-]/, '\\$&').replace(/^(\d+)([.)])/, '$1\\$2')
    : escaped;
}

/** A block of payload text shown as it is, in a code fence longer than any backtick run in it. */
export function codeBlock(text: string, max = 4000, language = 'text'): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  const safe = defuse(cut);
  const fence = fenceFor(safe);
  return `${fence}${language}\n${safe}\n${fence}`;
}

/**
 * A URL from a payload (a runbook, the alert's source), shown as code beside its label:
 * only http(s) URLs are shown, anything else (javascript:, data:) is dropped. Never a link.
 */
export function link(label: string, url: string | undefined): string {
  if (!url) return '';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return '';
  // Spaces would end the URL where a reader copies it: encode them as a browser would.
  return `${inline(label)} ${inertUrl(parsed.toString().replace(/ /g, '%20'))}`;
}

/** A kubemend marker: the only way kubemend's own sections and comments are found. */
export function marker(name: string, value = ''): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || /--|>/.test(value))
    throw new Error(`invalid marker ${name}`);
  return `<!-- kubemend:${name}${value ? ` ${value}` : ''} -->`;
}

/** Finds a marker at the start of a line, outside code fences, so payload text cannot forge one. */
export function findMarker(body: string, name: string): string | undefined {
  const pattern = new RegExp(`^<!-- kubemend:${name}(?: (.*?))? -->$`);
  for (const { text, fence } of markdownLines(body)) {
    const match = fence === undefined ? pattern.exec(text) : null;
    if (match) return match[1] ?? '';
  }
  return undefined;
}

/**
 * The fence kubemend writes around `text`: a backtick run longer than any in it (at least
 * three), so no line of the text can close it.
 */
export function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** Where a line stands against code fences: the opening line, a line inside, the closing line. */
export type FencePlace = 'open' | 'inside' | 'close';

export interface MarkdownLine {
  text: string;
  index: number;
  /** undefined: outside any fence, where Markdown (and a kubemend marker) means something. */
  fence: FencePlace | undefined;
}

/**
 * The lines of a Markdown text with their place against backtick fences. A fence opens on
 * a line starting with three or more backticks and closes only on a line that is exactly
 * that run: the rule `fenceFor` writes to, so nothing inside a block kubemend wrote
 * closes it early. Every reader of fenced text walks it here, so they cannot disagree.
 */
export function* markdownLines(body: string): Generator<MarkdownLine> {
  let open: string | undefined;
  let index = 0;
  for (const text of body.split('\n')) {
    if (open !== undefined) {
      const closes = text.trim() === open && text.startsWith(open);
      yield { text, index, fence: closes ? 'close' : 'inside' };
      if (closes) open = undefined;
    } else {
      open = /^(`{3,})/.exec(text)?.[1];
      yield { text, index, fence: open === undefined ? undefined : 'open' };
    }
    index++;
  }
}
