// GitHub's official REST description (@octokit/openapi), used three ways: to route
// requests to operations, to validate every request (and, in test mode, every
// response) against it, and to complete response objects with the fields the schema
// requires that a handler did not set, so that responses have GitHub's full shape.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;
export type Schema = Json;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  template: string;
  segments: string[];
  parameters: Parameter[];
  requestBody?: { required?: boolean; schema?: Schema };
  responses: Record<string, Schema | undefined>;
}

const require = createRequire(import.meta.url);
let spec: Json | undefined;
function loadSpec(): Json {
  spec ??= JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
  ) as Json;
  return spec;
}

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows `#/components/...` references. */
export function deref(node: unknown): Json {
  let current = node;
  for (let hops = 0; isJson(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error('reference loop');
    const path = current.$ref.replace(/^#\//, '').split('/');
    current = path.reduce<unknown>(
      (at, key) => (isJson(at) ? at[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
      loadSpec(),
    );
  }
  if (!isJson(current)) throw new Error(`unresolvable schema node`);
  return current;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
let operations: Operation[] | undefined;

export function allOperations(): Operation[] {
  if (operations) return operations;
  operations = [];
  const paths = loadSpec().paths as Record<string, Json>;
  for (const [template, item] of Object.entries(paths)) {
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isJson(op)) continue;
      const parameters = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])].map(
        (p) => deref(p) as unknown as Parameter,
      );
      const body = isJson(op.requestBody) ? deref(op.requestBody) : undefined;
      const bodyContent = isJson(body?.content) ? body.content : undefined;
      const responses: Record<string, Schema | undefined> = {};
      for (const [status, response] of Object.entries(isJson(op.responses) ? op.responses : {})) {
        const resolved = deref(response);
        const content = isJson(resolved.content) ? resolved.content : undefined;
        const media = content?.['application/json'] ?? content?.['application/scim+json'];
        responses[status] = isJson(media) && isJson(media.schema) ? media.schema : undefined;
      }
      operations.push({
        operationId: String(op.operationId),
        method: method.toUpperCase(),
        template,
        segments: template.split('/').slice(1),
        parameters,
        requestBody: body
          ? {
              required: body.required === true,
              schema: isJson(bodyContent?.['application/json'])
                ? ((bodyContent['application/json'] as Json).schema as Schema)
                : undefined,
            }
          : undefined,
        responses,
      });
    }
  }
  return operations;
}

/** Parameters GitHub lets take the rest of the path, slashes included. */
const GREEDY = new Set(['path', 'ref', 'name']);

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

/**
 * Finds the operation for a method and path. Literal segments beat parameters
 * (`/issues/comments` is not issue number "comments"), and only a final `{path}`,
 * `{ref}` or `{name}` may span several segments, as on GitHub.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | { pathKnown: boolean } {
  const segments = pathname.split('/').slice(1);
  let best: { match: RouteMatch; score: number[] } | undefined;
  let pathKnown = false;
  for (const operation of allOperations()) {
    const params = matchSegments(operation.segments, segments);
    if (!params) continue;
    pathKnown = true;
    if (operation.method !== method) continue;
    const score = operation.segments.map((s) => (s.startsWith('{') ? 0 : 1));
    if (!best || compareScores(score, best.score) > 0)
      best = { match: { operation, params }, score };
  }
  return best?.match ?? { pathKnown };
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const part = template[i]!;
    const param = /^\{(.+)\}$/.exec(part)?.[1];
    if (
      param &&
      i === template.length - 1 &&
      GREEDY.has(param) &&
      actual.length > template.length
    ) {
      params[param] = actual.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    const value = actual[i];
    if (value === undefined) return undefined;
    if (param) {
      if (value === '') return undefined;
      params[param] = decodeURIComponent(value);
    } else if (part !== value) return undefined;
  }
  return actual.length === template.length ? params : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

// Ajv: one instance that coerces (path and query strings are typed by their schema),
// one that does not (bodies and responses are JSON already).
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ strict: false, logger: false, coerceTypes: coerce, allErrors: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'gh', components: toJsonSchema(loadSpec().components) }, 'gh');
  return ajv;
}

/**
 * OpenAPI 3.0's `nullable: true` in JSON Schema terms: a `null` type beside the
 * declared one, or `anyOf` with null where there is no type (Ajv accepts `nullable`
 * only next to `type`).
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isJson(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // GitHub's description uses oneOf where variants overlap (an error body matches both
    // basic-error and its richer variants); anyOf still demands one documented shape.
    if (key !== 'nullable') out[key === 'oneOf' ? 'anyOf' : key] = toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}
let paramAjv: Ajv | undefined;
let dataAjv: Ajv | undefined;

/** Rewrites local references so a fragment compiles against the registered components. */
function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (!isJson(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === '$ref' && typeof value === 'string' ? value.replace(/^#\//, 'gh#/') : anchored(value);
  }
  return out;
}

const compiled = new Map<string, ValidateFunction>();
function validator(key: string, schema: unknown, coerce: boolean): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    const ajv = coerce ? (paramAjv ??= newAjv(true)) : (dataAjv ??= newAjv(false));
    fn = ajv.compile(toJsonSchema(anchored(schema)) as Json);
    compiled.set(key, fn);
  }
  return fn;
}

const describe = (fn: ValidateFunction): string =>
  (fn.errors ?? [])
    .slice(0, 3)
    .map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}`,
    )
    .join('; ');

/** Checks path and query parameters and the body; returns what is wrong, or undefined. */
export function validateRequest(
  operation: Operation,
  params: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
): string | undefined {
  const values: Json = { ...params };
  const known = new Set(operation.parameters.map((p) => p.name));
  for (const [name, value] of query) {
    if (!known.has(name)) return `unknown query parameter '${name}'`;
    values[name] = value;
  }
  const properties: Json = {};
  const required: string[] = [];
  for (const p of operation.parameters) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    properties[p.name] = p.schema ?? {};
    if (p.required) required.push(p.name);
  }
  const paramsValid = validator(
    `${operation.operationId}#params`,
    { type: 'object', properties, required },
    true,
  );
  if (!paramsValid(values)) return `parameters: ${describe(paramsValid)}`;

  const bodySpec = operation.requestBody;
  if (body === undefined) {
    return bodySpec?.required ? 'a request body is required' : undefined;
  }
  if (!bodySpec?.schema) return 'this operation takes no request body';
  const bodyValid = validator(`${operation.operationId}#body`, bodySpec.schema, false);
  if (!bodyValid(body)) return `body: ${describe(bodyValid)}`;
  // GitHub ignores unknown top-level keys, which hides typos in our code: flag them.
  const top = deref(bodySpec.schema);
  if (isJson(body) && isJson(top.properties) && top.additionalProperties === undefined) {
    const unknown = Object.keys(body).filter((key) => !(key in (top.properties as Json)));
    if (unknown.length > 0)
      return `body: unknown propert${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}`;
  }
  return undefined;
}

/** Checks a response body against the operation's schema for that status. */
export function validateResponse(
  operation: Operation,
  status: number,
  body: unknown,
): string | undefined {
  if (!(String(status) in operation.responses)) {
    return `status ${status} is not a documented response of ${operation.operationId}`;
  }
  const schema = operation.responses[String(status)];
  if (!schema || body === undefined) return undefined;
  const fn = validator(`${operation.operationId}#${status}`, schema, false);
  return fn(body) ? undefined : `response ${status}: ${describe(fn)}`;
}

export interface Filler {
  /** ISO time used for required date-times the handler left out. */
  now: string;
  baseUrl: string;
}

/**
 * Completes `value` so it satisfies `schema`: every required property the handler
 * left out gets a neutral value (null where allowed, else an empty or zero value of
 * the right type and format). The handler sets everything that carries meaning.
 */
export function complete(schema: unknown, value: unknown, fill: Filler, depth = 0): unknown {
  if (depth > 24 || schema === undefined) return value;
  let node = deref(schema);
  if (Array.isArray(node.allOf)) node = mergeAll(node.allOf.map(deref));
  const variants = (node.oneOf ?? node.anyOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) {
    return complete(pickVariant(variants.map(deref), value), value, fill, depth + 1);
  }
  if (value === null) return null;
  const type = Array.isArray(node.type)
    ? node.type.find((t) => t !== 'null')
    : (node.type ?? (node.properties ? 'object' : undefined));
  if (
    value === undefined &&
    (node.nullable === true || (Array.isArray(node.type) && node.type.includes('null')))
  )
    return null;
  switch (type) {
    case 'object': {
      const given = isJson(value) ? value : value === undefined ? {} : undefined;
      if (!given) return value;
      const props = isJson(node.properties) ? node.properties : {};
      const out: Json = { ...given };
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      for (const key of new Set([...required, ...Object.keys(given)])) {
        if (key in props) out[key] = complete(props[key], given[key], fill, depth + 1);
      }
      return out;
    }
    case 'array': {
      if (!Array.isArray(value)) return value === undefined ? [] : value;
      return value.map((item) => complete(node.items, item, fill, depth + 1));
    }
    case 'string':
      if (value !== undefined) return value;
      if (Array.isArray(node.enum)) return node.enum[0];
      if (node.format === 'date-time') return fill.now;
      if (node.format === 'uri' || node.format === 'uri-template') return `${fill.baseUrl}/`;
      if (node.format === 'email') return 'noreply@example.com';
      return '';
    case 'integer':
    case 'number':
      return value ?? (typeof node.minimum === 'number' ? node.minimum : 0);
    case 'boolean':
      return value ?? false;
    default:
      return value ?? null;
  }
}

function mergeAll(parts: Json[]): Json {
  const merged: Json = { type: 'object', properties: {}, required: [] };
  for (const part of parts) {
    Object.assign(merged.properties as Json, isJson(part.properties) ? part.properties : {});
    (merged.required as string[]).push(
      ...(Array.isArray(part.required) ? (part.required as string[]) : []),
    );
    if (part.nullable) merged.nullable = true;
  }
  return merged;
}

function pickVariant(variants: Json[], value: unknown): Json {
  const objects = variants.filter(
    (v) => v.type === 'object' || isJson(v.properties) || Array.isArray(v.allOf),
  );
  if (isJson(value) && objects.length > 0) {
    const keys = Object.keys(value);
    let best = objects[0]!;
    let bestScore = -1;
    for (const variant of objects) {
      const flat = Array.isArray(variant.allOf) ? mergeAll(variant.allOf.map(deref)) : variant;
      const props = isJson(flat.properties) ? Object.keys(flat.properties) : [];
      const score =
        keys.filter((k) => props.includes(k)).length -
        (keys.length - keys.filter((k) => props.includes(k)).length);
      if (score > bestScore) [best, bestScore] = [variant, score];
    }
    return best;
  }
  if (Array.isArray(value)) return variants.find((v) => v.type === 'array') ?? variants[0]!;
  if (typeof value === 'string') return variants.find((v) => v.type === 'string') ?? variants[0]!;
  return variants.find((v) => v.type !== 'null') ?? variants[0]!;
}
