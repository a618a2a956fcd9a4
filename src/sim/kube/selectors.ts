// Label and field selectors as the real kube-apiserver understands them: the grammar, the
// matching rules and the error messages of k8s.io/apimachinery's pkg/labels and pkg/fields,
// and which fields each resource lets a client select on (the scheme's field label conversion
// functions plus the registry's selectable field sets). Clients and kubectl show the server's
// message verbatim, so the wording here is part of the behaviour, not decoration.

/** A selector the server refuses; the API answers it with a 400 BadRequest Status. */
export class SelectorError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

export type LabelSelector = (labels: Record<string, string> | undefined) => boolean;
export type FieldSelector = (object: Record<string, unknown>) => boolean;

// ---------------------------------------------------------------------------------------------
// Go formatting helpers. The messages embed values the way Go's fmt and encoding/json print them.

/** Go's %q (strconv.Quote) for the characters a selector can realistically contain. */
function goQuote(text: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    '\\': '\\\\',
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
  };
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const escape = named[char];
    if (escape !== undefined) out += escape;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** encoding/json's rendering of a []string, which escapes <, > and & for HTML safety. */
function goJsonStrings(values: readonly string[] | undefined): string {
  if (values === undefined) return 'null';
  return JSON.stringify(values).replace(/[<>&\u2028\u2029]/g, (char) => {
    return `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
  });
}

/** Go measures string lengths in UTF-8 bytes, not UTF-16 units. */
const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Go's sort.Strings order: byte-wise over UTF-8, which differs from JS for astral characters. */
const goCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A field.Error of type Invalid: `<path>: Invalid value: <value>: <detail>`. */
const invalid = (path: string, value: string, detail: string): string =>
  `${path}: Invalid value: ${value}: ${detail}`;

/**
 * utilerrors.Aggregate's message: a lone error as itself, several (deduplicated) in brackets.
 */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Label key and value validation (validation.IsQualifiedName / IsValidLabelValue), with the
// messages of apimachinery 1.35+ (pkg/api/validate/content).

const LABEL_KEY_FORMAT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_PATTERN = new RegExp(`^${LABEL_KEY_FORMAT}$`);
const LABEL_KEY_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
  'alphanumeric character';
const LABEL_VALUE_FORMAT = `(${LABEL_KEY_FORMAT})?`;
const LABEL_VALUE_PATTERN = new RegExp(`^${LABEL_VALUE_FORMAT}$`);
const LABEL_VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or " +
  "'.', and must start and end with an alphanumeric character";
const DNS_LABEL_FORMAT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN_FORMAT = `${DNS_LABEL_FORMAT}(\\.${DNS_LABEL_FORMAT})*`;
const DNS_SUBDOMAIN_PATTERN = new RegExp(`^${DNS_SUBDOMAIN_FORMAT}$`);
const DNS_SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character";
const NAME_MAX_BYTES = 63;
const SUBDOMAIN_MAX_BYTES = 253;

/** content.RegexError, double space after each example's comma included. */
function regexError(rule: string, format: string, ...examples: string[]): string {
  const shown = examples.map((example) => `'${example}', `).join(' or ');
  return `${rule} (e.g. ${shown}regex used for validation is '${format}')`;
}

const maxLengthError = (max: number): string => `must be no more than ${max} bytes`;

function subdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > SUBDOMAIN_MAX_BYTES) errors.push(maxLengthError(SUBDOMAIN_MAX_BYTES));
  if (!DNS_SUBDOMAIN_PATTERN.test(value)) {
    errors.push(regexError(DNS_SUBDOMAIN_RULE, DNS_SUBDOMAIN_FORMAT, 'example.com'));
  }
  return errors;
}

/** Why a label key is invalid: an optional DNS subdomain prefix, a slash, a 63-byte name. */
function labelKeyErrors(key: string): string[] {
  const parts = key.split('/');
  const nameRule = regexError(LABEL_KEY_RULE, LABEL_KEY_FORMAT, 'MyName', 'my.name', '123-abc');
  if (parts.length > 2) {
    return [
      `a valid label key ${nameRule} with an optional DNS subdomain prefix and '/' ` +
        "(e.g. 'example.com/MyName')",
    ];
  }
  const errors: string[] = [];
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...subdomainErrors(prefix).map((error) => `prefix part ${error}`));
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (byteLength(name) > NAME_MAX_BYTES) {
    errors.push(`name part ${maxLengthError(NAME_MAX_BYTES)}`);
  }
  if (!LABEL_KEY_PATTERN.test(name)) errors.push(`name part ${nameRule}`);
  return errors;
}

function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > NAME_MAX_BYTES) errors.push(maxLengthError(NAME_MAX_BYTES));
  if (!LABEL_VALUE_PATTERN.test(value)) {
    errors.push(regexError(LABEL_VALUE_RULE, LABEL_VALUE_FORMAT, 'MyValue', 'my_value', '12345'));
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Label requirements (labels.Requirement).

type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

interface Requirement {
  key: string;
  operator: Operator;
  values: readonly string[];
}

/** ParseInt(value, 10, 64) as Go does it, or undefined where Go reports an error. */
function parseInt64(value: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(value)) return undefined;
  const parsed = BigInt(value);
  const limit = 1n << 63n;
  return parsed >= -limit && parsed < limit ? parsed : undefined;
}

/**
 * labels.NewRequirement: validate a requirement and say everything wrong with it at once, with
 * the field paths the real server prints (`key`, `values`, `values[0]`, `values[0][<key>]`).
 * `values` is undefined where Go holds a nil slice, which encoding/json prints as null.
 */
function newRequirement(
  key: string,
  operator: Operator,
  values: readonly string[] | undefined,
): Requirement {
  const errors: string[] = [];
  const keyErrors = labelKeyErrors(key);
  if (keyErrors.length > 0) errors.push(invalid('key', goQuote(key), keyErrors.join('; ')));
  const list = values ?? [];
  const shown = goJsonStrings(values);
  switch (operator) {
    case 'in':
    case 'notin':
      if (list.length === 0) {
        errors.push(
          invalid('values', shown, "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (list.length !== 1) {
        errors.push(
          invalid('values', shown, 'exact-match compatibility requires one single value'),
        );
      }
      break;
    case 'exists':
    case '!':
      if (list.length !== 0) {
        errors.push(
          invalid('values', shown, 'values set must be empty for exists and does not exist'),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (list.length !== 1) {
        errors.push(
          invalid('values', shown, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      list.forEach((value, index) => {
        if (parseInt64(value) === undefined) {
          errors.push(
            invalid(
              `values[${index}]`,
              goQuote(value),
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
  }
  list.forEach((value, index) => {
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) {
      errors.push(invalid(`values[${index}][${key}]`, goQuote(value), valueErrors.join('; ')));
    }
  });
  if (errors.length > 0) throw new SelectorError(aggregate(errors));
  return { key, operator, values: list };
}

/** Requirement.Matches; note that != and notin are satisfied by a missing key. */
function requirementMatches(requirement: Requirement, labels: Record<string, string>): boolean {
  const { key, operator, values } = requirement;
  const has = Object.hasOwn(labels, key);
  const value = has ? labels[key] : undefined;
  switch (operator) {
    case 'in':
    case '=':
    case '==':
      return has && values.includes(value ?? '');
    case 'notin':
    case '!=':
      return !has || !values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      // A label that is not an integer never satisfies an ordering, it is not an error.
      const actual = has ? parseInt64(value ?? '') : undefined;
      const bound = parseInt64(values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

function selectorOf(requirements: readonly Requirement[]): LabelSelector {
  return (labels) => requirements.every((r) => requirementMatches(r, labels ?? {}));
}

// ---------------------------------------------------------------------------------------------
// The label selector string grammar (labels.Parse): a lexer and a recursive descent parser
// whose token boundaries, lookahead and messages follow the real ones, so a malformed selector
// fails at the same place with the same words.

type TokenKind =
  'end' | 'identifier' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  kind: TokenKind;
  literal: string;
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOLS = new Set<string>(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  for (;;) {
    while (position < text.length && WHITESPACE.has(text.charAt(position))) position++;
    if (position >= text.length) {
      tokens.push({ kind: 'end', literal: '' });
      return tokens;
    }
    const start = position;
    if (SPECIAL.has(text.charAt(position))) {
      // Operators are read greedily, one special character at a time, for as long as the
      // longer text is still an operator: '!=' is one token, '=(' is two.
      position++;
      while (
        position < text.length &&
        SYMBOLS.has(text.slice(start, position + 1)) &&
        SPECIAL.has(text.charAt(position))
      ) {
        position++;
      }
      const literal = text.slice(start, position);
      tokens.push({ kind: literal as TokenKind, literal });
    } else {
      // Anything up to whitespace or a special character is one word: keys and values are
      // validated later, so 'a$b' lexes as one identifier and fails as an invalid key.
      while (
        position < text.length &&
        !SPECIAL.has(text.charAt(position)) &&
        !WHITESPACE.has(text.charAt(position))
      ) {
        position++;
      }
      const literal = text.slice(start, position);
      const kind = literal === 'in' || literal === 'notin' ? literal : 'identifier';
      tokens.push({ kind, literal });
    }
  }
}

/** In a value position 'in' and 'notin' are plain words: `x in (in)` and `x=notin` are valid. */
type Context = 'operator' | 'value';

class LabelParser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(text: string) {
    this.tokens = lex(text);
  }

  private peek(context: Context): Token {
    const token = this.tokens[this.position] ?? { kind: 'end', literal: '' };
    if (context === 'value' && (token.kind === 'in' || token.kind === 'notin')) {
      return { kind: 'identifier', literal: token.literal };
    }
    return token;
  }

  private next(context: Context): Token {
    const token = this.peek(context);
    this.position++;
    return token;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { kind, literal } = this.peek('value');
      if (kind === 'end') return requirements;
      if (kind !== 'identifier' && kind !== '!') {
        throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.requirement());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new SelectorError(`unable to parse requirement: ${message}`);
      }
      const after = this.next('value');
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') {
        throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
      }
      const following = this.peek('value');
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new SelectorError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let token = this.next('value');
    const negated = token.kind === '!';
    if (negated) token = this.next('value');
    if (token.kind !== 'identifier') {
      throw new SelectorError(`found '${token.literal}', expected: identifier`);
    }
    const key = token.literal;
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length > 0) {
      // The parser validates the key without a field path, which Go prints as <nil>.
      throw new SelectorError(invalid('<nil>', goQuote(key), keyErrors.join('; ')));
    }
    // '!key' is complete whatever follows (a trailing '=v' then fails as a stray token); a bare
    // key is an existence test only when the requirement ends there.
    if (negated) return newRequirement(key, '!', []);
    const ahead = this.peek('value').kind;
    if (ahead === 'end' || ahead === ',') return newRequirement(key, 'exists', []);
    const operator = this.operator();
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, values);
  }

  private operator(): Operator {
    const { kind, literal } = this.next('operator');
    switch (kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return kind;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorError(`found '${literal}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** `( v1, v2 )`, where empty entries stand for the empty value: `()`, `(a,)`, `(,a)`. */
  private valueSet(): string[] {
    const open = this.next('value');
    if (open.kind !== '(') throw new SelectorError(`found '${open.literal}' expected: '('`);
    const first = this.peek('value');
    if (first.kind === ')') {
      this.next('value');
      return [''];
    }
    if (first.kind !== 'identifier' && first.kind !== ',') {
      throw new SelectorError(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const token = this.next('value');
      if (token.kind === 'identifier') {
        values.add(token.literal);
        const after = this.peek('value');
        if (after.kind === ')') break;
        if (after.kind !== ',') {
          throw new SelectorError(`found '${after.literal}', expected: ',' or ')'`);
        }
      } else if (token.kind === ',') {
        if (values.size === 0) values.add('');
        const after = this.peek('value');
        if (after.kind === ')') {
          values.add('');
          break;
        }
        if (after.kind === ',') {
          this.next('value');
          values.add('');
        }
      } else {
        throw new SelectorError(`found '${token.literal}', expected: ',', or identifier`);
      }
    }
    this.next('value'); // the ')' both exits above stopped in front of
    // The real parser keeps values in a set and lists them sorted; error indexes follow that.
    return [...values].sort(goCompare);
  }

  /** The single value after =, ==, !=, > or <; nothing at all means the empty value. */
  private exactValue(): string[] {
    const ahead = this.peek('value').kind;
    if (ahead === 'end' || ahead === ',') return [''];
    const token = this.next('value');
    if (token.kind !== 'identifier') {
      throw new SelectorError(`found '${token.literal}', expected: identifier`);
    }
    return [token.literal];
  }
}

/**
 * Parse a labelSelector query parameter. '' (or only whitespace) selects everything. Besides
 * the documented operators the real grammar has `key>n` and `key<n` (integer comparisons), so
 * this does too.
 */
export function parseLabelSelector(text: string): LabelSelector {
  return selectorOf(new LabelParser(text).parse());
}

// ---------------------------------------------------------------------------------------------
// The metav1.LabelSelector object (LabelSelectorAsSelector).

const OBJECT_OPERATORS: Readonly<Record<string, Operator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringList(value: unknown, what: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new SelectorError(`${what} must be a list of strings`);
  }
  return value as string[];
}

function objectRequirements(selector: Record<string, unknown>): Requirement[] {
  const { matchLabels, matchExpressions } = selector;
  const requirements: Requirement[] = [];
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) throw new SelectorError('matchLabels must be a map of strings');
    // Go ranges over the map in random order; sorted keys keep the first error stable.
    for (const key of Object.keys(matchLabels).sort(goCompare)) {
      const value = matchLabels[key];
      if (typeof value !== 'string') {
        throw new SelectorError('matchLabels must be a map of strings');
      }
      requirements.push(newRequirement(key, '=', [value]));
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) {
      throw new SelectorError('matchExpressions must be a list');
    }
    for (const expression of matchExpressions as unknown[]) {
      if (!isRecord(expression)) {
        throw new SelectorError('matchExpressions entries must be objects');
      }
      const operator = typeof expression.operator === 'string' ? expression.operator : '';
      const mapped = Object.hasOwn(OBJECT_OPERATORS, operator)
        ? OBJECT_OPERATORS[operator]
        : undefined;
      if (mapped === undefined) {
        throw new SelectorError(`${goQuote(operator)} is not a valid label selector operator`);
      }
      const key = typeof expression.key === 'string' ? expression.key : '';
      const values = stringList(expression.values, 'matchExpressions values');
      // Go copies the values with append([]string(nil), ...): an empty list becomes nil.
      requirements.push(newRequirement(key, mapped, values?.length ? values : undefined));
    }
  }
  return requirements;
}

/**
 * Whether labels match a metav1.LabelSelector object (Deployments, ReplicaSets, PDBs, ...). As
 * in the real helper, a missing (null) selector matches nothing and an empty one everything; an
 * invalid one throws SelectorError with the message LabelSelectorAsSelector returns.
 */
export function matchesLabelSelectorObject(
  selector: unknown,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || selector === null) return false;
  if (!isRecord(selector)) throw new SelectorError('a label selector must be an object');
  return selectorOf(objectRequirements(selector))(labels);
}

// ---------------------------------------------------------------------------------------------
// Field selectors (fields.ParseSelector).

interface FieldTerm {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Split on commas that are not escaped; the escapes stay in the terms for unescaping later. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    if (escaped) escaped = false;
    else if (char === '\\') escaped = true;
    else if (char === ',') {
      terms.push(text.slice(start, index));
      start = index + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** The field name is not unescaped: the first operator anywhere in the term splits it. */
function splitTerm(term: string): { field: string; operator: string; rest: string } | undefined {
  for (let index = 0; index < term.length; index++) {
    // '==' before '=' so that a==b does not leave '=b' as the value.
    for (const operator of ['!=', '==', '=']) {
      if (term.startsWith(operator, index)) {
        return { field: term.slice(0, index), operator, rest: term.slice(index + operator.length) };
      }
    }
  }
  return undefined;
}

/** fields.UnescapeValue: \\, \, and \= are the only escapes; bare , and = are errors. */
function unescapeValue(text: string): string {
  if (!/[\\,=]/.test(text)) return text;
  let out = '';
  let escaped = false;
  for (const char of text) {
    if (escaped) {
      if (char !== '\\' && char !== ',' && char !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${char}`);
      }
      out += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === ',' || char === '=') {
      // Go prints the rune with %v, which is its number: '=' is reported as 61.
      const code = char.codePointAt(0) ?? 0;
      throw new SelectorError(`invalid field selector: unescaped character in value: ${code}`);
    } else {
      out += char;
    }
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function parseFieldTerms(text: string): FieldTerm[] {
  // The real parser sorts the raw terms first, so the first error reported is the first in
  // sorted order, not in the order written.
  const parts = splitTerms(text).sort(goCompare);
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) {
      throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    }
    const value = unescapeValue(split.rest);
    terms.push({ field: split.field, operator: split.operator === '!=' ? '!=' : '=', value });
  }
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Which fields each resource supports, and where each lives in the object's JSON. This is
// data: the field label conversion functions registered in k8s.io/kubernetes pkg/apis/*/v*
// decide which labels are accepted, and the registry's ToSelectableFields what they hold.

/**
 * Where a selectable field's value comes from: the first path holding a non-empty scalar wins
 * (later paths are the field's other spellings), else the Go zero value of the field's type,
 * because the real server reads typed objects: a node without spec.unschedulable is 'false'.
 */
interface FieldSource {
  paths: readonly string[];
  zero: '' | 'false' | '0';
}

interface ResourceFields {
  /** The message of the resource's conversion function for a field it does not accept. */
  reject: (field: string) => string;
  fields: Readonly<Record<string, FieldSource>>;
}

const textField = (...paths: string[]): FieldSource => ({ paths, zero: '' });
const flagField = (...paths: string[]): FieldSource => ({ paths, zero: 'false' });
const countField = (...paths: string[]): FieldSource => ({ paths, zero: '0' });

const NAME = { 'metadata.name': textField('metadata.name') };
const NAME_AND_NAMESPACE = { ...NAME, 'metadata.namespace': textField('metadata.namespace') };
const notSupported = (field: string): string => `field label not supported: ${field}`;

/**
 * Core/v1 and events.k8s.io/v1 events share one storage in the real server, so an event may
 * reach either resource in either shape; each field reads both spellings.
 */
const EVENT_SOURCES = {
  kind: textField('involvedObject.kind', 'regarding.kind'),
  namespace: textField('involvedObject.namespace', 'regarding.namespace'),
  name: textField('involvedObject.name', 'regarding.name'),
  uid: textField('involvedObject.uid', 'regarding.uid'),
  apiVersion: textField('involvedObject.apiVersion', 'regarding.apiVersion'),
  resourceVersion: textField('involvedObject.resourceVersion', 'regarding.resourceVersion'),
  fieldPath: textField('involvedObject.fieldPath', 'regarding.fieldPath'),
  reportingController: textField('reportingComponent', 'reportingController'),
  // The registry falls back to the reporting controller when source.component is empty.
  source: textField(
    'source.component',
    'deprecatedSource.component',
    'reportingComponent',
    'reportingController',
  ),
} as const;

const POD_FIELDS: ResourceFields = {
  reject: notSupported,
  fields: {
    ...NAME_AND_NAMESPACE,
    'spec.nodeName': textField('spec.nodeName'),
    // Old v1 clients send spec.host; the server converts it to spec.nodeName.
    'spec.host': textField('spec.nodeName'),
    'spec.restartPolicy': textField('spec.restartPolicy'),
    'spec.schedulerName': textField('spec.schedulerName'),
    // spec.serviceAccount is the deprecated spelling the server folds into serviceAccountName.
    'spec.serviceAccountName': textField('spec.serviceAccountName', 'spec.serviceAccount'),
    'spec.hostNetwork': flagField('spec.hostNetwork'),
    'status.phase': textField('status.phase'),
    // The registry reads the first of status.podIPs (which conversion fills from podIP).
    'status.podIP': textField('status.podIPs.0.ip', 'status.podIP'),
    // Accepted by the conversion function but absent from the selectable set: always ''.
    'status.podIPs': textField(),
    'status.nominatedNodeName': textField('status.nominatedNodeName'),
  },
};

const CORE_EVENT_FIELDS: ResourceFields = {
  reject: notSupported,
  fields: {
    ...NAME_AND_NAMESPACE,
    'involvedObject.kind': EVENT_SOURCES.kind,
    'involvedObject.namespace': EVENT_SOURCES.namespace,
    'involvedObject.name': EVENT_SOURCES.name,
    'involvedObject.uid': EVENT_SOURCES.uid,
    'involvedObject.apiVersion': EVENT_SOURCES.apiVersion,
    'involvedObject.resourceVersion': EVENT_SOURCES.resourceVersion,
    'involvedObject.fieldPath': EVENT_SOURCES.fieldPath,
    reason: textField('reason'),
    reportingComponent: EVENT_SOURCES.reportingController,
    source: EVENT_SOURCES.source,
    type: textField('type'),
  },
};

const EVENTS_V1_FIELDS: ResourceFields = {
  reject: notSupported,
  fields: {
    ...NAME_AND_NAMESPACE,
    'regarding.kind': EVENT_SOURCES.kind,
    'regarding.namespace': EVENT_SOURCES.namespace,
    'regarding.name': EVENT_SOURCES.name,
    'regarding.uid': EVENT_SOURCES.uid,
    'regarding.apiVersion': EVENT_SOURCES.apiVersion,
    'regarding.resourceVersion': EVENT_SOURCES.resourceVersion,
    'regarding.fieldPath': EVENT_SOURCES.fieldPath,
    reason: textField('reason'),
    reportingController: EVENT_SOURCES.reportingController,
    source: EVENT_SOURCES.source,
    type: textField('type'),
  },
};

const JOB_FIELDS: ResourceFields = {
  reject: (field) => `field label ${goQuote(field)} not supported for Job`,
  // The selectable field is named status.successful but holds status.succeeded.
  fields: { ...NAME_AND_NAMESPACE, 'status.successful': countField('status.succeeded') },
};

const CSR_FIELDS: ResourceFields = {
  reject: notSupported,
  fields: { ...NAME, 'spec.signerName': textField('spec.signerName') },
};

/**
 * Resources with a field label conversion function of their own, by plural resource name
 * (and `plural.group` outside the core group). Cluster-scoped nodes and namespaces accept only
 * metadata.name of the two metadata fields, as the real server does. ReplicaSets are not here
 * on purpose: apps/v1 registers no conversion function, so the real server refuses
 * status.replicas for them (kubernetes/kubernetes#135136) although its docs list it.
 */
const RESOURCE_FIELDS: Readonly<Record<string, ResourceFields>> = {
  pods: POD_FIELDS,
  events: CORE_EVENT_FIELDS,
  'events.events.k8s.io': EVENTS_V1_FIELDS,
  nodes: {
    reject: notSupported,
    fields: { ...NAME, 'spec.unschedulable': flagField('spec.unschedulable') },
  },
  namespaces: {
    reject: notSupported,
    fields: { ...NAME, 'status.phase': textField('status.phase') },
  },
  secrets: { reject: notSupported, fields: { ...NAME_AND_NAMESPACE, type: textField('type') } },
  services: {
    reject: notSupported,
    fields: {
      ...NAME_AND_NAMESPACE,
      'spec.clusterIP': textField('spec.clusterIP'),
      'spec.type': textField('spec.type'),
    },
  },
  replicationcontrollers: {
    reject: notSupported,
    fields: { ...NAME_AND_NAMESPACE, 'status.replicas': countField('status.replicas') },
  },
  jobs: JOB_FIELDS,
  'jobs.batch': JOB_FIELDS,
  certificatesigningrequests: CSR_FIELDS,
  'certificatesigningrequests.certificates.k8s.io': CSR_FIELDS,
};

/** runtime.DefaultMetaV1FieldSelectorConversion, for every resource without its own function. */
const DEFAULT_FIELDS: ResourceFields = {
  reject: (field) =>
    `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
  fields: NAME_AND_NAMESPACE,
};

/** A value as the server's field set holds it: strings as-is, booleans and numbers printed. */
function scalarAt(object: unknown, path: string): string | undefined {
  let current: unknown = object;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^[0-9]+$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'boolean' || typeof current === 'number') return String(current);
  return undefined;
}

function fieldValue(object: Record<string, unknown>, source: FieldSource): string {
  for (const path of source.paths) {
    const value = scalarAt(object, path);
    if (value !== undefined && value !== '') return value;
  }
  return source.zero;
}

/**
 * Parse a fieldSelector query parameter for a resource (its plural, e.g. 'pods', or
 * 'events.events.k8s.io'). '' selects everything. A malformed selector, or a field the
 * resource does not support, throws SelectorError with the real server's message.
 */
export function parseFieldSelector(text: string, resource: string): FieldSelector {
  const terms = parseFieldTerms(text);
  const support = Object.hasOwn(RESOURCE_FIELDS, resource)
    ? (RESOURCE_FIELDS[resource] ?? DEFAULT_FIELDS)
    : DEFAULT_FIELDS;
  const checks = terms.map((term) => {
    const source = Object.hasOwn(support.fields, term.field)
      ? support.fields[term.field]
      : undefined;
    if (source === undefined) throw new SelectorError(support.reject(term.field));
    return { ...term, source };
  });
  return (object) =>
    checks.every(({ operator, value, source }) => {
      const actual = fieldValue(object, source);
      return operator === '=' ? actual === value : actual !== value;
    });
}
