// GitHub's official REST description (@octokit/openapi), used three ways: to route
// requests to operations, to validate every request (and, in test mode, every
// response) against it (validate.ts), and to complete response objects with the fields
// the schema requires that a handler did not set, so that responses have GitHub's full
// shape. The emulator ships in the CLI bundle, so it reads the subset it needs
// (openapi-subset.json, written by `npm run sim:openapi`), not the 13 MB description.
import subset from './openapi-subset.json' with { type: 'json' };

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
  /**
   * An operation GitHub has and the emulator does not implement: the subset keeps only
   * its route, so a request to it is told apart from one to a path GitHub lacks.
   */
  routeOnly: boolean;
}

/** The description (the subset): paths and the components they reach. */
export function loadSpec(): Json {
  return subset as unknown as Json;
}

export const isJson = (value: unknown): value is Json =>
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
        routeOnly: op['x-route-only'] === true,
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
