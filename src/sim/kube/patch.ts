// PATCH semantics of the Kubernetes emulator: JSON Patch, JSON merge patch and strategic merge
// patch, as kube-apiserver applies them. The references are the code the apiserver runs:
// gopkg.in/evanphx/json-patch.v4 for JSON Patch and merge patch, and
// k8s.io/apimachinery/pkg/util/strategicpatch for strategic merge patch, with the patch
// strategies and merge keys of the k8s.io/api struct tags. Where those differ from the RFCs or
// from common belief, the apiserver wins (each such place says so), because tests run against
// this emulator must pass and fail as they would against a real cluster.

/**
 * A patch the server refuses. `status` is the HTTP status kube-apiserver answers with: 400 for a
 * patch it cannot read, 422 for one that does not apply to the object, 413 for a JSON Patch of
 * more than 10,000 operations. The message is the apiserver's, so clients print the same text.
 */
export class PatchError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'PatchError';
    this.status = status;
  }
}

type JsonMap = Record<string, unknown>;

const isMap = (v: unknown): v is JsonMap =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

// Assigning obj['__proto__'] would change the object's prototype instead of adding a member, and a
// patch is untrusted input.
function put(obj: JsonMap, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Go's %v of a decoded JSON value, which the apiserver's messages embed (`map[name:a]`). */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** The Go type encoding/json decodes a JSON value into, as reflect names it. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** The JSON type name encoding/json puts in "cannot unmarshal X into ..." errors. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isMap(v)) return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

// ---------------------------------------------------------------------------------------------
// JSON Patch (RFC 6902), as json-patch v4 applies it

/** kube-apiserver refuses larger JSON Patches before applying them (maxJSONPatchOperations). */
const MAX_JSON_PATCH_OPERATIONS = 10_000;

type Container = JsonMap | unknown[];

const isContainer = (v: unknown): v is Container => Array.isArray(v) || isMap(v);

// RFC 6901: '~1' is '/', '~0' is '~', decoded in one left-to-right pass so '~01' is '~1'.
const decodeToken = (token: string): string =>
  token.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));

/** Thrown inside a container operation; the caller wraps it the way json-patch does. */
class OpFailure extends Error {}

// json-patch parses indexes with strconv.Atoi and, by default, accepts negative ones counted
// from the end (SupportNegativeIndices), which the apiserver does not turn off.
function parseIndex(token: string): number {
  if (!/^[+-]?\d+$/.test(token)) {
    throw new OpFailure(`strconv.Atoi: parsing "${token}": invalid syntax`);
  }
  return Number(token);
}

function invalidIndex(index: number): OpFailure {
  return new OpFailure(`Unable to access invalid index: ${index}: invalid index referenced`);
}

function resolveIndex(index: number, length: number): number {
  if (index < 0) {
    if (index < -length) throw invalidIndex(index);
    return index + length;
  }
  return index;
}

/**
 * The value at `key`. A missing object member reads as undefined without failing, as in
 * json-patch v4: that is why `replace` of a missing member adds it there.
 */
function getAt(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return hasOwn(con, key) ? con[key] : undefined;
  const index = parseIndex(key);
  const resolved = resolveIndex(index, con.length);
  if (resolved >= con.length) throw invalidIndex(index);
  return con[resolved];
}

function addAt(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    put(con, key, value);
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  if (!/^[+-]?\d+$/.test(key)) {
    throw new OpFailure(`value was not a proper array index: '${key}'`);
  }
  const index = Number(key);
  if (index > con.length) throw invalidIndex(index);
  con.splice(resolveIndex(index, con.length + 1), 0, value);
}

function removeAt(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!hasOwn(con, key)) {
      throw new OpFailure(`Unable to remove nonexistent key: ${key}: missing value`);
    }
    delete con[key];
    return;
  }
  const index = parseIndex(key);
  if (index >= con.length) throw invalidIndex(index);
  con.splice(resolveIndex(index, con.length), 1);
}

/**
 * The container holding the pointer's last token, and that token. Like json-patch it skips the
 * pointer's first segment and fails (null) when any step on the way is missing or a scalar.
 */
function locate(root: Container, pointer: string): { con: Container; key: string } | null {
  const tokens = pointer.split('/');
  if (tokens.length < 2) return null;
  let con: Container = root;
  for (const token of tokens.slice(1, -1)) {
    let next: unknown;
    try {
      next = getAt(con, decodeToken(token));
    } catch (err) {
      if (err instanceof OpFailure) return null;
      throw err;
    }
    if (!isContainer(next)) return null;
    con = next;
  }
  return { con, key: decodeToken(tokens[tokens.length - 1] as string) };
}

type Operation = JsonMap;

function readPointer(op: Operation, field: 'path' | 'from', opName: string): string {
  const value = op[field];
  if (typeof value === 'string') return value;
  // A missing or non-string pointer is an apply-time error in json-patch (422), not a decode one.
  // add, remove and the destination of copy drop the cause and name only ErrMissing.
  const terse = field === 'path' && ['add', 'remove', 'copy'].includes(opName);
  const cause = terse
    ? 'missing value'
    : value === undefined || value === null
      ? `operation missing ${field} field: missing value`
      : `json: cannot unmarshal ${jsonType(value)} into Go value of type string`;
  throw new PatchError(422, `${opName} operation failed to decode ${field}: ${cause}`);
}

function failure(message: string): PatchError {
  return new PatchError(422, message);
}

/** Runs a container operation and words its failure like json-patch. */
function attempt<T>(run: () => T, wrap: (cause: string) => string): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof OpFailure) throw failure(wrap(err.message));
    throw err;
  }
}

// An absent "value" member decodes to a nil node in json-patch v4, which it writes as null.
const opValue = (op: Operation): unknown => (hasOwn(op, 'value') ? op.value : null);

function applyOperation(root: Container, op: Operation): Container {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const path = readPointer(op, 'path', 'add');
      const at = locate(root, path);
      if (!at) {
        throw failure(
          `add operation does not apply: doc is missing path: "${path}": missing value`,
        );
      }
      attempt(
        () => addAt(at.con, at.key, structuredClone(opValue(op))),
        (cause) => `error in add for path: '${path}': ${cause}`,
      );
      return root;
    }
    case 'remove': {
      const path = readPointer(op, 'path', 'remove');
      const at = locate(root, path);
      if (!at) {
        throw failure(
          `remove operation does not apply: doc is missing path: "${path}": missing value`,
        );
      }
      attempt(
        () => removeAt(at.con, at.key),
        (cause) => `error in remove for path: '${path}': ${cause}`,
      );
      return root;
    }
    case 'replace': {
      const path = readPointer(op, 'path', 'replace');
      if (path === '') {
        const value = opValue(op);
        if (!isContainer(value)) {
          throw failure('replace operation value must be object or array: <nil>');
        }
        return structuredClone(value);
      }
      const at = locate(root, path);
      if (!at) {
        throw failure(
          `replace operation does not apply: doc is missing path: ${path}: missing value`,
        );
      }
      // Only an array index can be missing here: json-patch v4 reads an absent object member as
      // nil without an error, so replacing it adds it (RFC 6902 says it must fail; kube does not).
      attempt(
        () => getAt(at.con, at.key),
        () => `replace operation does not apply: doc is missing key: ${path}: missing value`,
      );
      const value = structuredClone(opValue(op));
      if (Array.isArray(at.con)) at.con[resolveIndex(parseIndex(at.key), at.con.length)] = value;
      else put(at.con, at.key, value);
      return root;
    }
    case 'move': {
      const from = readPointer(op, 'from', 'move');
      const source = locate(root, from);
      if (!source) {
        throw failure(
          `move operation does not apply: doc is missing from path: ${from}: missing value`,
        );
      }
      const wrapFrom = (cause: string): string =>
        `error in move for path: '${source.key}': ${cause}`;
      const value = attempt(() => getAt(source.con, source.key), wrapFrom);
      attempt(() => removeAt(source.con, source.key), wrapFrom);
      // The destination is looked up after the removal, so moving a value into itself fails.
      const path = readPointer(op, 'path', 'move');
      const target = locate(root, path);
      if (!target) {
        throw failure(
          `move operation does not apply: doc is missing destination path: ${path}: missing value`,
        );
      }
      attempt(
        () => addAt(target.con, target.key, value),
        (cause) => `error in move for path: '${path}': ${cause}`,
      );
      return root;
    }
    case 'copy': {
      const from = readPointer(op, 'from', 'copy');
      const source = locate(root, from);
      if (!source) {
        throw failure(
          `copy operation does not apply: doc is missing from path: ${from}: missing value`,
        );
      }
      const value = attempt(
        () => getAt(source.con, source.key),
        (cause) => `error in copy for from: '${from}': ${cause}`,
      );
      const path = readPointer(op, 'path', 'copy');
      const target = locate(root, path);
      if (!target) {
        throw failure(
          `copy operation does not apply: doc is missing destination path: ${path}: missing value`,
        );
      }
      // Copying an absent object member writes null: json-patch v4 copies the nil it read.
      attempt(
        () => addAt(target.con, target.key, value === undefined ? null : structuredClone(value)),
        (cause) => `error while adding value during copy: ${cause}`,
      );
      return root;
    }
    case 'test': {
      const path = readPointer(op, 'path', 'test');
      let actual: unknown = root;
      if (path !== '') {
        const at = locate(root, path);
        if (!at) {
          throw failure(`test operation does not apply: is missing path: ${path}: missing value`);
        }
        actual = attempt(
          () => getAt(at.con, at.key),
          (cause) => `error in test for path: '${path}': ${cause}`,
        );
      }
      // json-patch v4 reads an absent member and a null alike, and an absent "value" as null.
      const expected = opValue(op);
      const passed =
        actual === undefined || actual === null
          ? expected === null
          : hasOwn(op, 'value') && deepEqual(actual, expected);
      if (!passed) throw failure(`testing value ${path} failed: test failed`);
      return root;
    }
    default:
      throw failure(`Unexpected kind: ${kind}`);
  }
}

/**
 * Applies an RFC 6902 JSON Patch (`application/json-patch+json`) and returns the new document.
 * Operations apply in order and the first failure rejects the whole patch. Follows json-patch v4
 * where it departs from the RFC: `replace` and `copy` tolerate an absent object member, negative
 * array indexes count from the end, and `add` cannot target the root.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  // The apiserver decodes the body into []Operation first: a body of another shape is a 400.
  if (!Array.isArray(ops)) {
    throw new PatchError(
      400,
      `json: cannot unmarshal ${jsonType(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  const stray = ops.find((op) => !isMap(op) && op !== null);
  if (stray !== undefined) {
    throw new PatchError(
      400,
      `json: cannot unmarshal ${jsonType(stray)} into Go value of type jsonpatch.Operation`,
    );
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      413,
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, ` +
        `got ${ops.length}`,
    );
  }
  if (!isContainer(doc)) {
    throw failure(
      `json: cannot unmarshal ${jsonType(doc)} into Go value of type jsonpatch.partialDoc`,
    );
  }
  let root: Container = structuredClone(doc);
  // A null array element decodes to an empty Operation, whose kind is "unknown".
  for (const op of ops as (Operation | null)[]) root = applyOperation(root, op ?? {});
  return root;
}

// ---------------------------------------------------------------------------------------------
// JSON merge patch (RFC 7386)

function mergePatchValue(target: unknown, patch: unknown): unknown {
  if (!isMap(patch)) return structuredClone(patch);
  const result: JsonMap = isMap(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else put(result, key, mergePatchValue(hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

/**
 * Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge member by
 * member, null deletes a member, anything else (arrays included) replaces the target whole. The
 * patch itself must be an object: kube-apiserver never stores a patch that is an array, a scalar
 * or null in place of an object (json-patch rejects the latter two as "Invalid JSON Patch").
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isMap(patch)) throw new PatchError(400, 'Invalid JSON Patch');
  return mergePatchValue(structuredClone(doc), patch);
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch: the patch metadata of the built-in types, as data

/**
 * The patch metadata of one field, from its Go struct tags. `strategy: 'merge'` merges a list
 * (by `mergeKey` for a list of objects, as a set for a list of scalars); `'replace'` replaces a
 * map or list whole. Without a strategy, maps merge key by key and lists are replaced whole.
 * `type` names the schema of the field's value (of each element, for a list).
 */
interface FieldMeta {
  readonly strategy?: 'merge' | 'replace';
  readonly mergeKey?: string;
  readonly type?: string;
}

type TypeSchema = Readonly<Record<string, FieldMeta>>;

// Lists without a patchStrategy tag are replaced whole, listed or not; the table lists some
// (tolerations, taints, envFrom, containerStatuses) as REPLACED so that reads as deliberate.
const REPLACED: FieldMeta = {};
const BY_NAME: FieldMeta = { strategy: 'merge', mergeKey: 'name' };
const BY_TYPE: FieldMeta = { strategy: 'merge', mergeKey: 'type' };
const BY_IP: FieldMeta = { strategy: 'merge', mergeKey: 'ip' };

/**
 * The struct types whose fields carry patch metadata (k8s.io/api core/v1, apps/v1, batch/v1,
 * policy/v1; ObjectMeta from k8s.io/apimachinery meta/v1), keyed by type, then by JSON field name.
 * Fields not listed behave like untagged ones.
 */
const TYPES: Readonly<Record<string, TypeSchema>> = {
  ObjectMeta: {
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
    // A set of strings: a patch adds to it, `$deleteFromPrimitiveList/finalizers` removes.
    finalizers: { strategy: 'merge' },
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: BY_NAME,
    initContainers: { ...BY_NAME, type: 'Container' },
    containers: { ...BY_NAME, type: 'Container' },
    ephemeralContainers: { ...BY_NAME, type: 'Container' },
    imagePullSecrets: BY_NAME,
    hostAliases: BY_IP,
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
    schedulingGates: BY_NAME,
    resourceClaims: BY_NAME,
    tolerations: REPLACED,
  },
  // Also EphemeralContainer, whose EphemeralContainerCommon carries the same tags.
  Container: {
    ports: { strategy: 'merge', mergeKey: 'containerPort' },
    env: BY_NAME,
    envFrom: REPLACED,
    volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
    volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
  },
  PodStatus: {
    conditions: BY_TYPE,
    podIPs: BY_IP,
    hostIPs: BY_IP,
    resourceClaimStatuses: BY_NAME,
    containerStatuses: REPLACED,
    initContainerStatuses: REPLACED,
    ephemeralContainerStatuses: REPLACED,
  },
  // The spec of every controller that stamps out pods from a template.
  PodTemplateOwnerSpec: { template: { type: 'PodTemplateSpec' } },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodTemplateOwnerSpec' } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  // Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, Namespace, PVC,
  // Service, PodDisruptionBudget, HorizontalPodAutoscaler statuses: conditions by type.
  ConditionsStatus: { conditions: BY_TYPE },
  NodeSpec: { podCIDRs: { strategy: 'merge' }, taints: REPLACED },
  NodeStatus: { conditions: BY_TYPE, addresses: BY_TYPE },
  ServiceSpec: { ports: { strategy: 'merge', mergeKey: 'port' } },
  PodDisruptionBudgetSpec: { selector: { strategy: 'replace' } },
  // Any other built-in kind: only its metadata has patch metadata.
  Object: { metadata: { type: 'ObjectMeta' } },
};

/** A kind whose spec and status use the types above. */
const withSpec = (spec?: string, status?: string): TypeSchema => ({
  metadata: { type: 'ObjectMeta' },
  ...(spec !== undefined && { spec: { type: spec } }),
  ...(status !== undefined && { status: { type: status } }),
});

/** The top-level schema of each kind. Kinds not listed use `Object`. */
const KINDS: Readonly<Record<string, TypeSchema>> = {
  Pod: withSpec('PodSpec', 'PodStatus'),
  PodTemplate: { metadata: { type: 'ObjectMeta' }, template: { type: 'PodTemplateSpec' } },
  Deployment: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  StatefulSet: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  DaemonSet: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  ReplicaSet: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  ReplicationController: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  Job: withSpec('PodTemplateOwnerSpec', 'ConditionsStatus'),
  CronJob: withSpec('CronJobSpec'),
  Node: withSpec('NodeSpec', 'NodeStatus'),
  Service: withSpec('ServiceSpec', 'ConditionsStatus'),
  Namespace: withSpec(undefined, 'ConditionsStatus'),
  PersistentVolumeClaim: withSpec(undefined, 'ConditionsStatus'),
  PodDisruptionBudget: withSpec('PodDisruptionBudgetSpec', 'ConditionsStatus'),
  HorizontalPodAutoscaler: withSpec(undefined, 'ConditionsStatus'),
  ServiceAccount: { metadata: { type: 'ObjectMeta' }, secrets: BY_NAME },
};

type Schema = TypeSchema | undefined;

/**
 * The patch metadata of a field of a Kubernetes struct type named as in k8s.io/api (PodSpec,
 * Container, DeploymentStatus...), for the OpenAPI schemas the server publishes: the same
 * table this module merges with. Statuses' conditions merge by type.
 */
export function patchMetaOf(typeName: string, field: string): FieldMeta {
  const type = typeName === 'EphemeralContainer' ? 'Container' : typeName;
  if (hasOwn(TYPES, type)) return fieldMeta(TYPES[type], field);
  if (type.endsWith('Status') && field === 'conditions') return BY_TYPE;
  return REPLACED;
}

function fieldMeta(schema: Schema, key: string): FieldMeta {
  return schema !== undefined && hasOwn(schema, key) ? (schema[key] as FieldMeta) : REPLACED;
}

const schemaOf = (meta: FieldMeta): Schema =>
  meta.type !== undefined ? TYPES[meta.type] : undefined;

// ---------------------------------------------------------------------------------------------
// Strategic merge patch: the merge (StrategicMergeMapPatch, as the apiserver calls it)

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// kube-apiserver maps only a few strategicpatch errors to API statuses; the others (a missing
// merge key, an unknown $patch, a $setElementOrder mismatch) reach clients as 500s with reason
// Unknown and the same message. Here they are 400s, the status of a patch the server cannot use:
// clients print the same text and retry neither.
const badPatch = (message: string): PatchError => new PatchError(400, message);

const noMergeKey = (m: JsonMap, mergeKey: string): PatchError =>
  badPatch(`map: ${goFormat(m)} does not contain declared merge key: ${mergeKey}`);

const badPatchType = (directive: unknown, m: JsonMap): PatchError =>
  badPatch(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(m)}`);

const badArgType = (expected: string, actual: unknown): PatchError =>
  badPatch(`expected a ${expected}, but received a ${goType(actual)}`);

/**
 * A patch value as the stored object ends up holding it. The apiserver decodes the merged map
 * into the typed object, which drops fields it does not know (every directive key starts with '$'
 * and no API field does) and nulls (omitempty). strategicpatch passes replaced maps and lists,
 * `$patch: replace` maps and newly appended list elements through as they stand, so this is all
 * that happens to them.
 */
function decoded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decoded);
  if (!isMap(value)) return value;
  const out: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && !key.startsWith('$')) put(out, key, decoded(v));
  }
  return out;
}

/**
 * A patch value for a key the server's map lacks (or holds with another type). Before decoding,
 * strategicpatch also drops every map carrying a `$patch` directive (removeDirectives), even a
 * `$patch: replace` one. Returns undefined when the value itself is dropped.
 */
function settle(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(settle).filter((v) => v !== undefined);
  }
  if (!isMap(value)) return value;
  if (hasOwn(value, PATCH)) return undefined;
  const out: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || key.startsWith('$')) continue;
    const settled = settle(v);
    if (settled !== undefined) put(out, key, settled);
  }
  return out;
}

function setSettled(target: JsonMap, key: string, value: unknown): void {
  const settled = settle(value);
  if (settled === undefined) delete target[key];
  else put(target, key, settled);
}

/** The part of a `$deleteFromPrimitiveList/x` or `$setElementOrder/x` key after the slash. */
function directiveField(key: string, prefix: string, formatError: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badPatch(formatError);
  return key.slice(slash + 1);
}

type ElementKind = 'map' | 'scalar' | 'empty';

/** What the elements of the lists are; strategicpatch requires one Go type throughout. */
function elementKind(...lists: unknown[][]): ElementKind {
  let first: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const type = goType(item);
      if (Array.isArray(item)) throw new PatchError(422, 'lists of lists are not supported');
      // int64 and float64 are distinct Go types, but both are numbers to a JSON client.
      const normalized = type === 'int64' ? 'float64' : type;
      if (first === undefined) first = normalized;
      else if (first !== normalized) {
        throw badPatch(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (first === undefined) return 'empty';
  return first === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** How an element is matched across lists: its merge key value, or itself for scalars. */
const identity = (item: unknown, mergeKey: string): unknown =>
  mergeKey !== '' && isMap(item) ? item[mergeKey] : item;

function indexIn(list: unknown[], item: unknown, mergeKey: string): number {
  const id = identity(item, mergeKey);
  return list.findIndex((v) => identity(v, mergeKey) === id);
}

function requireMergeKey(list: unknown[], mergeKey: string): void {
  for (const item of list) {
    if (!isMap(item)) throw badArgType('map[string]interface {}', item);
    if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
  }
}

/**
 * Orders a merged list as strategicpatch does (normalizeElementOrder): the items named in the
 * patch (or in `$setElementOrder`) keep that order, the items only the server had keep theirs,
 * and the two are interleaved by their positions on the server. A new item cannot be compared
 * with server positions, so it goes before the server items still waiting: that is why the
 * container the kubectl patch docs add comes out first.
 */
function normalizeOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
): unknown[] {
  if (mergeKey !== '') {
    requireMergeKey(patchItems, mergeKey);
    requireMergeKey(patchOrder, mergeKey);
    requireMergeKey(serverOnly, mergeKey);
    requireMergeKey(serverOrder, mergeKey);
  }
  const byPosition = (order: unknown[]) => (a: unknown, b: unknown) => {
    const ia = indexIn(order, a, mergeKey);
    const ib = indexIn(order, b, mergeKey);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  };
  const right = [...patchItems].sort(byPosition(patchOrder));
  const left = [...serverOnly].sort(byPosition(serverOrder));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  if (mergeKey !== '') requireMergeKey(merged, mergeKey);
  const inPatch = merged.filter((item) => indexIn(by, item, mergeKey) >= 0);
  const serverOnly = merged.filter((item) => indexIn(by, item, mergeKey) < 0);
  return [inPatch, serverOnly];
}

/**
 * The capacity of a list Go decoded element by element: append doubles it (up to 512 items).
 * Strategic merge deletes and appends in place, so what a later step sees depends on it.
 */
const decodedCapacity = (n: number): number => (n <= 1 ? n : 2 ** Math.ceil(Math.log2(n)));

interface MergedList {
  /** The merged list, in its final order. */
  readonly list: unknown[];
  /**
   * The server's list as Go still sees it afterwards, through its original length: deletions
   * shifted its tail left in place and appends filled the freed slots while capacity lasted.
   * `$setElementOrder` places server-only items by this (mergePatchIntoOriginal), so replaying
   * it is what reproduces the apiserver's order when a patch both deletes and adds items, as the
   * patches of `kubectl apply` do.
   */
  readonly serverView: unknown[];
}

/** Merges a list whose field has the merge strategy, or applies a `$deleteFromPrimitiveList`. */
function mergeListWithView(
  original: unknown[],
  patch: unknown[],
  meta: FieldMeta,
  isDeleteList: boolean,
): MergedList {
  if (original.length === 0 && patch.length === 0) return { list: original, serverView: original };
  const kind = elementKind(original, patch);
  const mergeKey = meta.mergeKey ?? '';

  if (kind !== 'map') {
    if (isDeleteList) {
      return { list: original.filter((v) => !patch.includes(v)), serverView: original };
    }
    const merged = [...new Set([...original, ...patch])];
    const [inPatch, serverOnly] = partition(merged, patch, '');
    const list = normalizeOrder(inPatch, serverOnly, patch, original, '');
    return { list, serverView: original };
  }
  if (mergeKey === '') {
    throw badPatch(`cannot merge lists without merge key for ${meta.type ?? 'this field'}`);
  }

  const backing = [...original];
  let length = original.length;
  let capacity = decodedCapacity(original.length);
  const sameKey = (a: unknown, b: JsonMap): boolean =>
    isMap(a) && hasOwn(a, mergeKey) && a[mergeKey] === b[mergeKey];

  // Elements carrying a directive act on the server's list and are not merged themselves.
  const plain: JsonMap[] = [];
  let replace = false;
  for (const item of patch as JsonMap[]) {
    if (!hasOwn(item, PATCH)) {
      plain.push(item);
      continue;
    }
    const directive = item[PATCH];
    if (directive === 'delete') {
      if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      for (;;) {
        const at = backing.slice(0, length).findIndex((v) => sameKey(v, item));
        if (at < 0) break;
        backing.copyWithin(at, at + 1, length);
        length--;
      }
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw badPatch('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, item);
    }
  }
  // `$patch: replace` in any element makes the patch's other elements the whole list.
  const serverOrder = replace ? plain.map(decoded) : backing.slice(0, length);
  const patchOrder = replace ? [] : plain;

  const merged: unknown[] = [...serverOrder];
  for (const item of patchOrder) {
    if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const at = merged.findIndex((v) => sameKey(v, item));
    if (at >= 0) {
      merged[at] = mergeMap(merged[at] as JsonMap, item, schemaOf(meta));
      continue;
    }
    const added = decoded(item);
    merged.push(added);
    // Past its capacity Go moves the list elsewhere, and later appends no longer show here.
    if (length < capacity) backing[length++] = added;
    else capacity = 0;
  }
  const [inPatch, serverOnly] = partition(merged, patchOrder, mergeKey);
  const list = normalizeOrder(inPatch, serverOnly, patchOrder, serverOrder, mergeKey);
  return { list, serverView: backing.slice(0, original.length) };
}

const mergeList = (...args: Parameters<typeof mergeListWithView>): unknown[] =>
  mergeListWithView(...args).list;

/**
 * Checks that the patch list names its items in the order `$setElementOrder` gives (ignoring
 * deletions), and that every item it names is in that order list.
 */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    for (const item of patchList) {
      if (!isMap(item)) throw badArgType('map[string]interface {}', item);
    }
    items = patchList.filter((item) => (item as JsonMap)[PATCH] !== 'delete');
  }
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isMap(item) && hasOwn(item, PATCH)) {
      p++;
      continue;
    }
    const wanted = order[o];
    if (mergeKey !== '') {
      for (const m of [item, wanted]) {
        if (!isMap(m)) throw badArgType('map[string]interface {}', m);
        if (!hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
      }
    }
    if (identity(item, mergeKey) === identity(wanted, mergeKey)) p++;
    o++;
  }
  if (p < items.length) {
    throw badPatch(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ` +
        `${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

/** Applies every `$setElementOrder/<field>` of the patch, with the list it orders. */
function applyElementOrders(original: JsonMap, patch: JsonMap, schema: Schema): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const field = directiveField(
      key,
      SET_ELEMENT_ORDER,
      'invalid patch format of setElementOrder list',
    );
    const inOriginal = hasOwn(original, field);
    const inPatch = hasOwn(patch, field);
    const originalList = inOriginal ? original[field] : [];
    const patchList = inPatch ? patch[field] : [];
    if (!Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
    if (!Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const meta = fieldMeta(schema, field);
    const mergeKey = meta.mergeKey ?? '';
    validateOrder(patchList, order, mergeKey);

    let merged: unknown[];
    let serverOrder: unknown[] = originalList;
    if (inOriginal && inPatch) {
      if (meta.strategy === 'merge') {
        ({ list: merged, serverView: serverOrder } = mergeListWithView(
          originalList,
          patchList,
          meta,
          false,
        ));
      } else merged = decoded(patchList) as unknown[];
    } else if (inPatch) merged = settle(patchList) as unknown[];
    else if (inOriginal) merged = originalList;
    else continue;
    delete patch[field];

    const kind = elementKind(originalList, patchList);
    // A list of objects without a merge key cannot be matched to the order list: keep it as is.
    if (kind === 'empty' || (kind === 'map' && mergeKey === '')) {
      put(original, field, merged);
      continue;
    }
    const [named, serverOnly] = partition(merged, order, mergeKey);
    put(original, field, normalizeOrder(named, serverOnly, order, serverOrder, mergeKey));
  }
}

/** Applies `$retainKeys`: the map keeps only the keys listed, which must cover the patch's. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw badPatch('invalid patch format of retainKeys');
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retain.includes(key)) throw badPatch('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) {
    if (!retain.includes(key)) delete original[key];
  }
}

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'list' : isMap(v) ? 'map' : typeof v);

/** Merges a patch map into an original map (both owned by the caller) and returns the result. */
function mergeMap(original: JsonMap, patch: JsonMap, schema: Schema): JsonMap {
  if (hasOwn(patch, PATCH)) {
    const directive = patch[PATCH];
    if (directive === 'replace') return decoded(patch) as JsonMap;
    // The map is emptied, not removed: its key stays, holding {}.
    if (directive === 'delete') return {};
    // `$patch: merge` is the default behaviour, yet the apiserver rejects it on a map.
    throw badPatchType(directive, patch);
  }

  applyRetainKeys(original, patch);
  applyElementOrders(original, patch, schema);

  for (const [patchKey, patchValue] of Object.entries(patch)) {
    let key = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = directiveField(
        patchKey,
        DELETE_FROM_PRIMITIVE_LIST,
        'invalid patch format of primitive list',
      );
      isDeleteList = true;
    } else if (patchKey.startsWith('$')) {
      // An unknown directive would become an unknown field, which decoding drops.
      continue;
    }

    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = hasOwn(original, key) ? original[key] : undefined;
    // A deletion list only ever removes, and only from a list that is there.
    if (current === undefined || kindOf(current) !== kindOf(patchValue)) {
      if (!isDeleteList) setSettled(original, key, patchValue);
      continue;
    }

    const meta = fieldMeta(schema, key);
    if (isMap(current)) {
      if (meta.strategy === 'replace') put(original, key, decoded(patchValue));
      else put(original, key, mergeMap(current, patchValue as JsonMap, schemaOf(meta)));
    } else if (Array.isArray(current)) {
      if (meta.strategy === 'merge' || isDeleteList) {
        put(original, key, mergeList(current, patchValue as unknown[], meta, isDeleteList));
      } else {
        put(original, key, decoded(patchValue));
      }
    } else {
      put(original, key, patchValue);
    }
  }
  return original;
}

/**
 * Applies a Kubernetes strategic merge patch (`application/strategic-merge-patch+json`) to an
 * object of the given kind and returns the new object. Maps merge key by key and null deletes a
 * key; lists whose field has the merge strategy merge by their merge key (or as a set of scalars)
 * and all other lists are replaced whole. Directives: `$patch: replace | delete` on a map or a
 * list element, `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`.
 * Kinds without a table entry (ConfigMap, Secret, ...) get the metadata rules only; the
 * apiserver refuses strategic merge patches for custom resources (415), which callers decide.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, kind: string): unknown {
  // The apiserver decodes the body into a map: a JSON null decodes to an empty patch.
  if (patch === null) return structuredClone(doc);
  if (!isMap(patch)) {
    throw badPatch(
      `json: cannot unmarshal ${jsonType(patch)} into Go value of type map[string]interface {}`,
    );
  }
  if (!isMap(doc)) throw badPatch('invalid JSON document');
  const schema = hasOwn(KINDS, kind) ? KINDS[kind] : TYPES.Object;
  return mergeMap(structuredClone(doc), structuredClone(patch), schema);
}
