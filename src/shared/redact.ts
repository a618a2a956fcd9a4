// The one redactor for every text that leaves the cluster: comments, issue and pull
// request bodies, job summaries, step logs, result files and artifacts. Cluster text
// (logs, event and state messages, Argo CD messages, annotations) is hostile and careless:
// applications print their environment, connection strings and headers. A secret keeps
// at most its key name or scheme; its value becomes `[redacted]`.
//
// Redact a whole text, not its lines one by one: a private key spans lines.
import {
  ASSIGNMENT_RULE,
  ENV_ENTRY_RULE,
  FLAG_RULE,
  HEADER_RULE,
  isPlaceholder,
  isSecretKey,
  PASSPHRASE_RULE,
  saysNoSecret,
  SCHEME_RULE,
  TOKEN_RULES,
  URL_RULE,
  type SecretRule,
} from './secret-rules.js';

export const REDACTED = '[redacted]';

/** In order: a rule that masks a value leaves `[redacted]`, which no later rule matches. */
const RULES: SecretRule[] = [
  HEADER_RULE,
  SCHEME_RULE,
  URL_RULE,
  ...TOKEN_RULES,
  { ...ENV_ENTRY_RULE, accept: keyed },
  { ...ASSIGNMENT_RULE, accept: keyed },
  { ...PASSPHRASE_RULE, accept: (_value, key) => key !== undefined && isSecretKey(key) },
  { ...FLAG_RULE, accept: keyed },
];

function keyed(value: string, key: string | undefined, next: string): boolean {
  return (
    key !== undefined && isSecretKey(key) && !isPlaceholder(value) && !saysNoSecret(value, next)
  );
}

export function redact(text: string): string {
  if (!text) return text;
  let out = redactPrivateKeys(text);
  for (const rule of RULES) out = apply(out, rule);
  return out;
}

/** A copy with every string redacted, and every value under a secret-named key masked. */
export function redactDeep<T>(value: T): T {
  return walk(value, undefined) as T;
}

/**
 * JSON for a file that leaves the runner (a result file, an artifact): every string
 * redacted, then the serialized text once more, as a last line of defence.
 */
export function redactedJson(value: unknown, indent = 2): string {
  const text = JSON.stringify(redactDeep(value), null, indent);
  const again = redact(text);
  // Text-level rules never cross a JSON string's quotes; if one ever did, the deep pass stands.
  try {
    JSON.parse(again);
    return again;
  } catch {
    return text;
  }
}

function walk(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string')
    return key !== undefined && isSecretKey(key) && !isPlaceholder(value)
      ? REDACTED
      : redact(value);
  if ((typeof value === 'number' || typeof value === 'bigint') && key !== undefined)
    return isSecretKey(key) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
  return value;
}

/**
 * Runs one rule over the text. A match that the rule does not accept is left as it is and
 * the scan resumes after its `keep` part, so a value that itself holds a secret is still seen.
 */
function apply(text: string, rule: SecretRule): string {
  const re = rule.pattern;
  re.lastIndex = 0;
  let out = '';
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const groups = m.groups ?? {};
    const keep = groups.keep ?? '';
    const valueStart = m.index + keep.length;
    const value = m[0].slice(keep.length);
    if (
      value === '' ||
      value.replace(/^[ \t]*["']?/, '').startsWith(REDACTED) ||
      !(rule.accept?.(value, groups.key, text[m.index + m[0].length] ?? '') ?? true)
    ) {
      re.lastIndex = Math.max(valueStart, m.index + 1);
      continue;
    }
    const { masked, rest } = rule.joins ? { masked: '', rest: '' } : mask(value);
    out += text.slice(at, valueStart) + masked + rest;
    at = m.index + m[0].length;
  }
  return at === 0 ? text : out + text.slice(at);
}

/** `"x"` → `"[redacted]"`; a bare value gives back closing brackets it swallowed. */
function mask(value: string): { masked: string; rest: string } {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  if (quote) {
    const closed = value.length > 1 && value.endsWith(quote);
    return { masked: `${quote}${REDACTED}${closed ? quote : ''}`, rest: '' };
  }
  const rest = /[)\]}]{1,8}$/.exec(value)?.[0] ?? '';
  return { masked: REDACTED, rest: rest.length < value.length ? rest : '' };
}

const BEGIN = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const END = /-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
/** A line of a PEM body: base64, or one of the headers an encrypted key carries. */
const PEM_LINE =
  /^[ \t]{0,16}(?:[A-Za-z0-9+/=]{1,200}|(?:Proc-Type|DEK-Info|Comment):[^\r\n]{0,200})?[ \t]{0,16}\r?$/;

/**
 * A private key keeps its BEGIN line; its body and END line go. A block cut short by a
 * tail limit is masked to the end of the text (or of the JSON string it is in, at `"`);
 * a block whose BEGIN line was cut off loses the PEM lines before its END line.
 */
function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let at = 0;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m; m = BEGIN.exec(text)) {
    const bodyStart = m.index + m[0].length;
    // Redacted before (text is redacted where it is read and again where it leaves).
    if (text.startsWith(` ${REDACTED}`, bodyStart)) continue;
    END.lastIndex = bodyStart;
    const end = END.exec(text);
    const quote = text.indexOf('"', bodyStart);
    let stop = end ? end.index + end[0].length : text.length;
    if (quote !== -1 && quote < (end ? end.index : text.length)) stop = quote;
    out += `${text.slice(at, bodyStart)} ${REDACTED}`;
    at = stop;
    BEGIN.lastIndex = stop;
  }
  out += text.slice(at);
  return orphanEnds(out);
}

/** The PEM lines above an END line whose BEGIN line is not in the text. */
function orphanEnds(text: string): string {
  END.lastIndex = 0;
  if (!END.test(text)) return text;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    END.lastIndex = 0;
    const end = END.exec(line);
    if (!end) continue;
    let first = i;
    while (first > 0 && PEM_LINE.test(lines[first - 1] ?? '')) first--;
    const before = line.slice(0, end.index);
    lines.splice(first, i - first + 1, `${PEM_LINE.test(before) ? '' : before}${REDACTED}`);
    i = first;
  }
  return lines.join('\n');
}
