// The OpenAPI documents kubectl reads: v3 (per group version) for `kubectl explain` and for
// the patch `kubectl apply` computes, and a v2 document kubectl insists on downloading
// before it validates. The schemas are derived from the models of @kubernetes/client-node
// (loaded only when a client asks), so every field of a built-in kind is known; the
// patch metadata (merge keys) comes from patch.ts, the same table the server merges with.
import { patchMetaOf } from './patch.js';
import { apiVersionOf, RESOURCES, type ResourceType } from './resources.js';

type Json = Record<string, unknown>;

interface ModelAttribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type Models = Record<string, { attributeTypeMap?: ModelAttribute[] } | undefined>;

let models: Promise<Models> | undefined;
// The models alone, by their own module: a namespace import of the whole client would keep
// every API class in the bundle chunk the actions share (tree-shaking cannot drop what a
// namespace object may reach), and double what remediate and diagnose load at start-up.
const loadModels = (): Promise<Models> =>
  (models ??= import('@kubernetes/client-node/dist/gen/models/all.js').then(
    (m) => m as unknown as Models,
  ));

/** `/openapi/v3`: where each group version's document is. */
export function openApiV3Index(): Json {
  const paths: Json = {};
  for (const gv of groupVersions())
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${HASH}` };
  return { paths };
}

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`...; undefined for a group version not served. */
export async function openApiV3(gv: string): Promise<Json | undefined> {
  if (!groupVersions().includes(gv)) return undefined;
  const types = RESOURCES.filter((r) => gvPath(r) === gv);
  const schemas: Json = {};
  const m = await loadModels();
  for (const r of types) {
    const model = modelName(r);
    if (m[model]?.attributeTypeMap) {
      addSchema(m, model, schemas);
      const name = schemaName(model);
      (schemas[name] as Json)['x-kubernetes-group-version-kind'] = [
        { group: r.group, version: r.version, kind: r.kind },
      ];
    } else {
      // A custom resource: what a CRD without a structural schema publishes.
      addSchema(m, 'V1ObjectMeta', schemas);
      schemas[`${r.group}.${r.version}.${r.kind}`] = {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { allOf: [{ $ref: ref('V1ObjectMeta') }] },
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }],
      };
    }
  }
  const paths: Json = {};
  for (const r of types) {
    if (r.verbs && !r.verbs.includes('patch')) continue;
    const strategic =
      !['argoproj.io', 'longhorn.io', 'cert-manager.io'].includes(r.group) &&
      !r.group.endsWith('.toolkit.fluxcd.io');
    const body = { schema: { type: 'object' } };
    paths[`/${gv}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`] = {
      patch: {
        operationId: `patch${r.kind}`,
        // kubectl reads these: server-side field validation, and which patch types apply.
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
          name,
          in: 'query',
          schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
        })),
        requestBody: {
          content: {
            'application/apply-patch+yaml': body,
            'application/json-patch+json': body,
            'application/merge-patch+json': body,
            ...(strategic ? { 'application/strategic-merge-patch+json': body } : {}),
          },
          required: true,
        },
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas },
  };
}

/**
 * `/openapi/v2` as protobuf (the only encoding kubectl accepts there): an empty document,
 * since kubectl takes schemas and field-validation support from v3 and only needs v2 to load.
 */
export function openApiV2Protobuf(): Buffer {
  const field = (n: number, bytes: Buffer): Buffer =>
    Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes]);
  const info = Buffer.concat([
    field(1, Buffer.from('Kubernetes')),
    field(2, Buffer.from('v1.32.4')),
  ]);
  // openapi_v2.Document: swagger = 1, info = 2.
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}

const HASH = 'emulator-v1-32-4';

function gvPath(r: ResourceType): string {
  return r.group ? `apis/${apiVersionOf(r)}` : 'api/v1';
}

function groupVersions(): string[] {
  return [...new Set(RESOURCES.map(gvPath))];
}

/** The client-node model of a kind: V1Pod, CoreV1Event, EventsV1Event... */
function modelName(r: ResourceType): string {
  const version = r.version.charAt(0).toUpperCase() + r.version.slice(1);
  if (r.kind === 'Event') return r.group ? `EventsV1Event` : 'CoreV1Event';
  return `${version}${r.kind}`;
}

/** V1PodSpec → io.k8s.v1.PodSpec; CoreV1Event → io.k8s.core.v1.Event. */
function schemaName(model: string): string {
  const match = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/.exec(model);
  if (!match) return `io.k8s.${model}`;
  const [, prefix, version, rest] = match;
  return `io.k8s.${prefix ? `${prefix.toLowerCase()}.` : ''}${version!.toLowerCase()}.${rest}`;
}

const ref = (model: string): string => `#/components/schemas/${schemaName(model)}`;

function addSchema(m: Models, model: string, schemas: Json): void {
  const name = schemaName(model);
  if (schemas[name]) return;
  const attributes = m[model]?.attributeTypeMap ?? [];
  const properties: Json = {};
  schemas[name] = { type: 'object', properties };
  const patchType = model.replace(/^([A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?/, '');
  for (const a of attributes) {
    const schema = typeSchema(m, a.type, a.format, schemas);
    const meta = patchMetaOf(patchType, a.baseName);
    if (meta.strategy) schema['x-kubernetes-patch-strategy'] = meta.strategy;
    if (meta.mergeKey) schema['x-kubernetes-patch-merge-key'] = meta.mergeKey;
    properties[a.baseName] = schema;
  }
}

function typeSchema(m: Models, type: string, format: string, schemas: Json): Json {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: typeSchema(m, array[1]!, '', schemas) };
  const map = /^\{ \[key: string\]: (.+?);? \}$/.exec(type);
  if (map) {
    return { type: 'object', additionalProperties: typeSchema(m, map[1]!, '', schemas) };
  }
  switch (type) {
    case 'string':
      return { type: 'string', ...(format ? { format } : {}) };
    case 'number':
      return { type: format === 'double' ? 'number' : 'integer', ...(format ? { format } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'IntOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
    case 'object':
      return { type: 'object' };
  }
  if (m[type]?.attributeTypeMap) {
    addSchema(m, type, schemas);
    return { allOf: [{ $ref: ref(type) }] };
  }
  return { type: 'object' };
}
