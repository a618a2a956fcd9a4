// Validates a config document against the schema (schema.ts) and tells every problem,
// each in one line: the key, the value and what is allowed, with a suggestion for a
// typo. It reads the subset of JSON Schema (2020-12) the schema uses and refuses any
// other keyword, so the schema cannot say something this code would silently ignore; a
// test holds its verdicts equal to Ajv's, a validator nobody here wrote. TypeBox's own
// checker is not used: it compiles patterns without the `u` flag, which misreads the
// label pattern's \p{Cc}, and its errors do not say what is allowed.
import { isObject } from '../shared/json.js';
import { showValue } from '../shared/errors.js';

export type Schema = Record<string, unknown>;

/** One problem: where, and a sentence saying what is wrong and what is allowed. */
export interface SchemaProblem {
  path: string;
  message: string;
}

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples']);
const KEYWORDS = new Set([
  ...ANNOTATIONS,
  '$ref',
  '$defs',
  'type',
  'enum',
  'const',
  'properties',
  'additionalProperties',
  'required',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
]);

export class SchemaValidator {
  readonly root: Schema;
  private readonly patterns = new Map<string, RegExp>();

  constructor(root: Schema) {
    this.root = root;
    checkKeywords(root, '#');
  }

  /** Every problem in document order; empty when the document is valid. */
  validate(value: unknown, path = ''): SchemaProblem[] {
    return this.check(value, this.root, path);
  }

  private resolve(schema: Schema): Schema {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const name = /^#\/\$defs\/([\w-]+)$/.exec(ref)?.[1];
    const defs = this.root.$defs;
    const target = name && isObject(defs) ? defs[name] : undefined;
    if (!isObject(target)) throw new Error(`schema: unresolvable $ref ${ref}`);
    // Keywords beside $ref (a description) are annotations; the target says what is allowed.
    return { ...withoutRef(schema), ...this.resolve(target) };
  }

  /** A value that breaks a keyword of its own gets one problem; its entries are each checked. */
  private check(value: unknown, raw: Schema, path: string): SchemaProblem[] {
    const schema = this.resolve(raw);
    const fail = (reason?: string): SchemaProblem[] => [
      {
        path,
        message: `'${path}' is ${describeValue(value)}; ${reason ?? `allowed: ${this.allowed(schema)}`}.`,
      },
    ];

    if (Array.isArray(schema.enum)) {
      if (!schema.enum.some((option) => equal(option, value))) {
        const hint =
          typeof value === 'string'
            ? closest(
                value,
                schema.enum.filter((o) => typeof o === 'string'),
              )
            : undefined;
        return fail(
          `${hint ? `did you mean '${hint}'? Allowed` : 'allowed'}: ${this.allowed(schema)}`,
        );
      }
      return [];
    }
    if ('const' in schema && !equal(schema.const, value)) return fail();
    if (typeof schema.type === 'string' && !hasType(value, schema.type)) return fail();

    if (typeof value === 'string') {
      if (typeof schema.minLength === 'number' && [...value].length < schema.minLength)
        return fail();
      if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength)
        return fail();
      if (typeof schema.pattern === 'string' && !this.pattern(schema.pattern).test(value))
        return fail();
    }
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum) return fail();
      if (typeof schema.maximum === 'number' && value > schema.maximum) return fail();
    }
    if (Array.isArray(value)) return this.checkArray(value, schema, path, fail);
    if (isObject(value)) return this.checkObject(value, schema, path, fail);
    return [];
  }

  private checkArray(
    value: unknown[],
    schema: Schema,
    path: string,
    fail: (reason?: string) => SchemaProblem[],
  ): SchemaProblem[] {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return fail();
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      return fail(`allowed: at most ${schema.maxItems} entries`);
    const problems: SchemaProblem[] = [];
    const items = schema.items;
    if (isObject(items))
      for (const [i, item] of value.entries())
        problems.push(...this.check(item, items, `${path}[${i}]`));
    if (schema.uniqueItems === true)
      for (const [i, item] of value.entries())
        if (value.slice(0, i).some((earlier) => equal(earlier, item)))
          problems.push({
            path: `${path}[${i}]`,
            message: `'${path}[${i}]' repeats ${describeValue(item)}; allowed: each entry once.`,
          });
    const contains = schema.contains;
    if (isObject(contains) && !value.some((item) => this.check(item, contains, path).length === 0))
      problems.push(...fail());
    return problems;
  }

  private checkObject(
    value: Record<string, unknown>,
    schema: Schema,
    path: string,
    fail: (reason?: string) => SchemaProblem[],
  ): SchemaProblem[] {
    const problems: SchemaProblem[] = [];
    const properties = isObject(schema.properties) ? schema.properties : {};
    const known = Object.keys(properties);
    const at = (key: string): string => (path ? `${path}.${key}` : key);
    for (const key of Object.keys(value)) {
      if (key in properties) continue;
      if (schema.additionalProperties === false) {
        const hint = closest(key, known);
        problems.push({
          path: at(key),
          message: `'${at(key)}' is not a known key${hint ? `; did you mean '${hint}'?` : '.'} Allowed: ${known.join(', ')}.`,
        });
        continue;
      }
      const names = schema.propertyNames;
      if (isObject(names) && this.check(key, names, at(key)).length > 0)
        problems.push({
          path: at(key),
          message: `'${at(key)}' is not an allowed name; allowed: ${this.allowed(this.resolve(names))}.`,
        });
    }
    if (
      typeof schema.minProperties === 'number' &&
      Object.keys(value).length < schema.minProperties
    )
      problems.push(
        ...fail(`allowed: at least ${schema.minProperties} of ${known.join(', ') || 'its keys'}`),
      );
    if (
      typeof schema.maxProperties === 'number' &&
      Object.keys(value).length > schema.maxProperties
    )
      problems.push(...fail(`allowed: at most ${schema.maxProperties} entries`));
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof key === 'string' && !(key in value))
        problems.push({
          path: at(key),
          message: `'${at(key)}' is missing; allowed: ${this.allowed(this.resolve(properties[key] as Schema))}.`,
        });
    }
    for (const [key, item] of Object.entries(value)) {
      const sub = properties[key] ?? schema.additionalProperties;
      if (isObject(sub)) problems.push(...this.check(item, sub, at(key)));
    }
    return problems;
  }

  /** What a schema allows, in words: from its own description when it has one. */
  allowed(schema: Schema): string {
    if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
    if ('const' in schema) return `'${String(schema.const)}'`;
    const range = (unit: string): string => {
      const min = schema.minimum;
      const max = schema.maximum;
      if (typeof min === 'number' && typeof max === 'number')
        return `${unit} from ${min} to ${max}`;
      if (typeof min === 'number') return `${unit} of at least ${min}`;
      return unit;
    };
    switch (schema.type) {
      case 'integer':
        return range('a whole number');
      case 'number':
        return range('a number');
      case 'boolean':
        return 'true or false';
      case 'array': {
        const item = isObject(schema.items) ? this.allowed(this.resolve(schema.items)) : 'values';
        const contains = isObject(schema.contains)
          ? `, including ${this.allowed(this.resolve(schema.contains))}`
          : '';
        const min =
          typeof schema.minItems === 'number' && schema.minItems > 0 ? 'a non-empty ' : 'a ';
        return `${min}list, each ${item}${contains}`;
      }
      case 'object':
        return isObject(schema.properties)
          ? `a mapping with ${Object.keys(schema.properties).join(', ')}`
          : 'a mapping';
      case 'string':
        if (typeof schema.description === 'string') return sentence(schema.description);
        if (typeof schema.pattern === 'string') return `a string matching ${schema.pattern}`;
        return 'a string';
      default:
        return typeof schema.description === 'string'
          ? sentence(schema.description)
          : 'a value of the documented form';
    }
  }

  private pattern(source: string): RegExp {
    let regex = this.patterns.get(source);
    if (!regex) {
      regex = new RegExp(source, 'u');
      this.patterns.set(source, regex);
    }
    return regex;
  }
}

function withoutRef(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref'));
}

/** A schema keyword this validator does not implement is a bug in the schema or here. */
function checkKeywords(schema: unknown, where: string): void {
  if (!isObject(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (!KEYWORDS.has(key)) throw new Error(`schema: unsupported keyword '${key}' at ${where}`);
    if (key === 'properties' || key === '$defs') {
      if (isObject(value))
        for (const [name, sub] of Object.entries(value))
          checkKeywords(sub, `${where}/${key}/${name}`);
    } else if (!ANNOTATIONS.has(key) && key !== 'enum' && key !== 'const')
      checkKeywords(value, `${where}/${key}`);
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`schema: unsupported type '${type}'`);
  }
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "A duration: a whole number..." → "a duration: a whole number..." without the last full stop. */
function sentence(description: string): string {
  return (description.charAt(0).toLowerCase() + description.slice(1)).replace(/\.$/, '');
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return showValue(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const json = JSON.stringify(value);
    return json.length <= 60 ? json : 'a list';
  }
  return value === null || value === undefined ? 'empty' : 'a mapping';
}

/** The allowed word nearest to a misspelt one, when it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? Infinity;
}
