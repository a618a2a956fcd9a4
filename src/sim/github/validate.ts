// Request and response validation against GitHub's REST description with Ajv: part of
// the emulator's fidelity (a request GitHub would refuse fails the test that sent it),
// and loaded only when an emulator validates, so a rehearsal that does not never loads Ajv.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { deref, isJson, loadSpec, type Operation } from './openapi.js';

type Json = Record<string, unknown>;

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
  // The subset holds no parameters or body of an operation the emulator lacks: the
  // server answers it as unsupported, which is the fidelity failure that matters.
  if (operation.routeOnly) return undefined;
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
