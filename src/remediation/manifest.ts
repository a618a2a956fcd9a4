// Proposals edit the user's manifests in their repository, so the change is what a person
// would have typed: the one value changed in place and every other byte kept (comments,
// quotes, flow maps, anchors, list layout, other documents, line endings). The file is
// parsed with a real YAML parser only to find where the edited values sit; the new text
// is spliced into the original string there. The result is parsed again and must differ
// from the original in exactly the edited fields, or nothing is proposed.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parse,
  parseAllDocuments,
  visit,
  Scalar,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { isObject } from '../shared/json.js';

export interface ManifestTarget {
  kind: string;
  name: string;
  namespace: string | undefined;
}

/** A change to a manifest in the user's repository, for the proposer to find and commit. */
export interface ManifestChange {
  target: ManifestTarget;
  /** Edits one document of a manifest's text; throws ManifestEditError when it cannot. */
  edit: (text: string, document: number) => string;
  /** One line for the commit message and the report. */
  summary: string;
}

export interface ManifestMatch {
  path: string;
  /** Index of the YAML document in the file. */
  document: number;
}

/** Documents of these files that declare the target (a namespace left out matches: kustomize sets it). */
export function findManifests(
  files: { path: string; text: string }[],
  target: ManifestTarget,
): ManifestMatch[] {
  const matches: ManifestMatch[] = [];
  for (const file of files) {
    const docs = readDocuments(file.text);
    if (!docs) continue;
    docs.forEach((doc, document) => {
      const value = valueOf(doc);
      if (!isObject(value) || value.kind !== target.kind || !isObject(value.metadata)) return;
      const { name, namespace } = value.metadata;
      if (name === target.name && (namespace === undefined || namespace === target.namespace))
        matches.push({ path: file.path, document });
    });
  }
  return matches;
}

/** Where the pod template's containers sit in each workload kind. */
const CONTAINERS_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec', 'containers'],
  StatefulSet: ['spec', 'template', 'spec', 'containers'],
  DaemonSet: ['spec', 'template', 'spec', 'containers'],
  ReplicaSet: ['spec', 'template', 'spec', 'containers'],
  Job: ['spec', 'template', 'spec', 'containers'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers'],
  Rollout: ['spec', 'template', 'spec', 'containers'],
};

/** How the memory sections read in messages. */
const SECTION_NAMES = { limits: 'memory limit', requests: 'memory request' } as const;

export class ManifestEditError extends Error {
  override name = 'ManifestEditError';
}

/** One replacement of the original text: [from, to) becomes `text`. */
interface Splice {
  from: number;
  to: number;
  text: string;
}

/** A nested mapping to write where keys are missing: leaves are the new values. */
type Tree = { [key: string]: string | Tree };

/**
 * Sets `resources.<section>.memory` of one container in document `document` of `text`.
 * Missing keys are added in the style of the map they go into; what cannot be edited
 * safely is refused with the reason.
 */
export function setContainerMemory(
  text: string,
  document: number,
  kind: string,
  container: string,
  values: { limits: string; requests: string | undefined },
): string {
  const at = locateContainer(text, document, kind, container);
  const splices: Splice[] = [];
  const wanted = (['limits', 'requests'] as const).flatMap((section) => {
    const value = values[section];
    return value ? [{ section, value }] : [];
  });
  const resources = entry(at.item, 'resources', `resources of container ${container}`);
  if (!resources) {
    const tree: Tree = {};
    for (const { section, value } of wanted) tree[section] = { memory: value };
    splices.push(insertion(at, at.item, 'resources', tree));
  } else {
    const resMap = asMap(at, resources, `resources of container ${container}`);
    const missing: Tree = {};
    for (const { section, value } of wanted) {
      const what = `the ${SECTION_NAMES[section]} of container ${container}`;
      const sectionNode = entry(resMap, section, `resources.${section} of container ${container}`);
      if (!sectionNode) {
        missing[section] = { memory: value };
        continue;
      }
      const sectionMap = asMap(at, sectionNode, `resources.${section} of container ${container}`);
      const memory = entry(sectionMap, 'memory', what);
      if (!memory) splices.push(insertion(at, sectionMap, 'memory', value));
      else splices.push(replacement(at, memory, value, what));
    }
    if (Object.keys(missing).length) splices.push(insertion(at, resMap, '', missing));
  }
  const out = apply(text, splices);
  verify(at, out, (c) => {
    const resources = (isObject(c.resources) ? c.resources : (c.resources = {})) as Record<
      string,
      Record<string, unknown>
    >;
    for (const { section, value } of wanted)
      resources[section] = { ...resources[section], memory: value };
  });
  return out;
}

/** Sets one container's `image:` in place, keeping its quotes, anchor and trailing comment. */
export function setContainerImage(
  text: string,
  document: number,
  kind: string,
  container: string,
  image: string,
): string {
  const at = locateContainer(text, document, kind, container);
  const what = `the image of container ${container}`;
  const node = entry(at.item, 'image', what);
  if (!node) throw new ManifestEditError(`container ${container} has no image field`);
  const out = apply(text, [replacement(at, node, image, what)]);
  verify(at, out, (c) => {
    c.image = image;
  });
  return out;
}

/** The parsed file and where one container's map sits in document `document`. */
interface Located {
  text: string;
  docs: Document[];
  doc: Document;
  document: number;
  path: string[];
  container: string;
  item: YAMLMap;
  /** Anchors that some alias in the document refers to: editing under them edits the aliases too. */
  shared: Set<string>;
}

function locateContainer(text: string, document: number, kind: string, container: string): Located {
  const path = CONTAINERS_PATH[kind];
  if (!path) throw new ManifestEditError(`kubemend does not edit ${kind} manifests`);
  const docs = readDocuments(text);
  if (!docs) throw new ManifestEditError(invalidReason(text));
  const doc = docs[document];
  if (!doc) throw new ManifestEditError(`document ${document} is not in the file`);
  const declared = doc.get('kind');
  if (declared !== kind)
    throw new ManifestEditError(
      `document ${document} of the file is ${typeof declared === 'string' ? `a ${declared}` : 'not a workload'}, not a ${kind}`,
    );
  const shared = new Set<string>();
  visit(doc, {
    Alias: (_key, alias) => {
      shared.add(alias.source);
    },
  });
  const partial: Omit<Located, 'item'> = { text, docs, doc, document, path, container, shared };

  let node: Node | null = doc.contents;
  path.forEach((key, i) => {
    const label = path.slice(0, i + 1).join('.');
    const map = asMap(partial, node, i === 0 ? 'the document' : path.slice(0, i).join('.'));
    const next = entry(map, key, label);
    if (!next) throw new ManifestEditError(`the ${kind} has no ${path.join('.')}`);
    node = next;
  });
  const list = node as Node | null;
  const containers = path.join('.');
  if (isAlias(list))
    throw new ManifestEditError(
      `${containers} is an alias (*${list.source}) of a list shared with other fields; edit it by hand`,
    );
  if (!isSeq(list)) throw new ManifestEditError(`${containers} is not a list`);
  if (list.anchor && shared.has(list.anchor))
    throw new ManifestEditError(
      `${containers} is anchored (&${list.anchor}) and shared with other fields; edit it by hand`,
    );
  for (const raw of list.items) {
    const resolved = isAlias(raw) ? raw.resolve(doc) : raw;
    if (!isMap(resolved) || resolved.get('name') !== container) continue;
    if (isAlias(raw))
      throw new ManifestEditError(
        `container ${container} is an alias (*${raw.source}) of a map shared with other fields; edit it by hand`,
      );
    return { ...partial, item: asMap(partial, resolved, `container ${container}`) };
  }
  throw new ManifestEditError(`container ${container} is not in the manifest`);
}

/** A document's data; undefined when it cannot be built (aliases expanding without bound). */
function valueOf(doc: Document): unknown {
  try {
    return doc.toJS();
  } catch {
    return undefined;
  }
}

/** The documents of a file, or undefined when any of them is not valid YAML. */
function readDocuments(text: string): Document[] | undefined {
  const docs = parseAllDocuments(text) as Document[];
  return docs.some((doc) => doc.errors.length > 0) ? undefined : [...docs];
}

function invalidReason(text: string): string {
  const docs = parseAllDocuments(text) as Document[];
  const error = docs.flatMap((doc) => doc.errors)[0];
  const line = error?.linePos?.[0].line;
  return `the file is not valid YAML${line ? ` (line ${line})` : ''}; nothing is proposed`;
}

/** `node` as a map that can be edited under, or the reason it cannot. */
function asMap(at: Pick<Located, 'shared'>, node: Node | null, label: string): YAMLMap {
  if (isAlias(node))
    throw new ManifestEditError(
      `${label} is an alias (*${node.source}) shared with other fields; edit it by hand`,
    );
  if (!isMap(node)) throw new ManifestEditError(`${label} is not a map`);
  if (node.anchor && at.shared.has(node.anchor))
    throw new ManifestEditError(
      `${label} is anchored (&${node.anchor}) and shared with other fields; edit it by hand`,
    );
  if (node.items.some((pair) => isScalar(pair.key) && pair.key.value === '<<'))
    throw new ManifestEditError(`${label} takes fields from a merge key (<<); edit it by hand`);
  return node as YAMLMap;
}

/** The value under `key` in `map`; undefined when the key is absent. */
function entry(map: YAMLMap, key: string, label: string): Node | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key) as
    Pair<Node, Node | null> | undefined;
  if (!pair) return undefined;
  if (!pair.value || (isScalar(pair.value) && pair.value.value === null))
    throw new ManifestEditError(`${label} is present but empty; edit it by hand`);
  return pair.value;
}

/** Replaces one scalar's text, keeping its quote style, anchor and trailing comment. */
function replacement(at: Located, node: Node, value: string, what: string): Splice {
  if (isAlias(node))
    throw new ManifestEditError(
      `${what} is an alias (*${node.source}) shared with other fields; edit it by hand`,
    );
  if (!isScalar(node)) throw new ManifestEditError(`${what} is not a single value`);
  if (node.anchor && at.shared.has(node.anchor))
    throw new ManifestEditError(
      `${what} is anchored (&${node.anchor}) and shared with other fields; edit it by hand`,
    );
  const [from, to] = node.range ?? [];
  if (from === undefined || to === undefined)
    throw new ManifestEditError(`${what} has no place in the text`);
  let written: string;
  if (node.type === Scalar.QUOTE_DOUBLE) written = JSON.stringify(value);
  else if (node.type === Scalar.QUOTE_SINGLE) written = `'${value.replace(/'/g, "''")}'`;
  else if (node.type === Scalar.PLAIN) written = scalarText(value);
  else throw new ManifestEditError(`${what} is a block scalar; edit it by hand`);
  return { from, to, text: written };
}

/** A plain scalar when it reads back as the same string in block and flow context, else quoted. */
function scalarText(value: string): string {
  try {
    const block: unknown = parse(`- ${value}`);
    const flow: unknown = parse(`[${value}]`);
    if (
      Array.isArray(block) &&
      block[0] === value &&
      Array.isArray(flow) &&
      flow.length === 1 &&
      flow[0] === value
    )
      return value;
  } catch {
    // Not plain-safe: quoted below.
  }
  return JSON.stringify(value);
}

/**
 * Adds `key: tree` (or the keys of `tree` when `key` is empty) to `map`, in the map's style:
 * block lines indented like its keys, or `, key: {...}` inside a flow map.
 */
function insertion(at: Located, map: YAMLMap, key: string, tree: string | Tree): Splice {
  const entries: [string, string | Tree][] = key ? [[key, tree]] : Object.entries(tree);
  const { text } = at;
  const [start, end] = map.range ?? [];
  if (start === undefined || end === undefined)
    throw new ManifestEditError('the map to add to has no place in the text');
  if (map.flow) {
    const flowText = entries.map(([k, v]) => `${k}: ${flow(v)}`).join(', ');
    const last = map.items.at(-1) as Pair<Node, Node | null> | undefined;
    if (!last) {
      // `resources: {}` as kubectl writes it: filled in block style when it ends its line.
      const close = text.lastIndexOf('}', end);
      const rest = text.slice(close + 1, lineEnd(text, close));
      const keyEnd = keyEndBefore(text, start);
      if (rest.trim() === '' && keyEnd !== undefined) {
        const indent = column(text, keyEnd.keyStart) + indentStep(at);
        return {
          from: keyEnd.colon + 1,
          to: close + 1,
          text: eol(text) + block(at, entries, indent).replace(/(\r?\n)$/, ''),
        };
      }
      return { from: start + 1, to: close, text: flowText };
    }
    const after = (last.value ?? last.key).range?.[1];
    if (after === undefined)
      throw new ManifestEditError('the map to add to has no place in the text');
    return { from: after, to: after, text: `, ${flowText}` };
  }
  const first = map.items[0]?.key as Node | undefined;
  const firstAt = first?.range?.[0];
  if (firstAt === undefined)
    throw new ManifestEditError('the map to add to has no place in the text');
  // After the line holding the map's last content, so a trailing comment stays where it is.
  let last = end;
  while (last > 0 && /\s/.test(text[last - 1] ?? '')) last--;
  const lineStop = lineEnd(text, Math.max(last - 1, 0));
  const lines = block(at, entries, column(text, firstAt));
  if (lineStop >= text.length)
    return { from: text.length, to: text.length, text: eol(text) + lines.replace(/(\r?\n)$/, '') };
  return { from: lineStop + 1, to: lineStop + 1, text: lines };
}

function block(at: Located, entries: [string, string | Tree][], indent: number): string {
  const nl = eol(at.text);
  const step = indentStep(at);
  return entries
    .map(([k, v]) =>
      typeof v === 'string'
        ? `${' '.repeat(indent)}${k}: ${scalarText(v)}${nl}`
        : `${' '.repeat(indent)}${k}:${nl}${block(at, Object.entries(v), indent + step)}`,
    )
    .join('');
}

function flow(value: string | Tree): string {
  if (typeof value === 'string') return scalarText(value);
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${flow(v)}`)
    .join(', ')}}`;
}

/** The file's line ending: CRLF when its first line ends so. */
function eol(text: string): string {
  return /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
}

/** Index of the `\n` ending the line that holds `offset` (text length when none). */
function lineEnd(text: string, offset: number): number {
  const at = text.indexOf('\n', offset);
  return at === -1 ? text.length : at;
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The `key:` on the same line before a flow collection that starts at `start`. */
function keyEndBefore(
  text: string,
  start: number,
): { keyStart: number; colon: number } | undefined {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const match = /^(\s*(?:-\s+)?)([A-Za-z0-9_./-]+):\s*$/.exec(text.slice(lineStart, start));
  if (!match) return undefined;
  const keyStart = lineStart + (match[1] ?? '').length;
  return { keyStart, colon: keyStart + (match[2] ?? '').length };
}

/** How far this document indents a nested block map: the first such pair tells; 2 otherwise. */
function indentStep(at: Located): number {
  let step: number | undefined;
  visit(at.doc, {
    Pair: (_key, pair) => {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      if (!isMap(value) || value.flow || !key?.range) return undefined;
      const child = (value.items[0]?.key as Node | undefined)?.range?.[0];
      if (child === undefined) return undefined;
      const diff = column(at.text, child) - column(at.text, key.range[0]);
      if (diff > 0 && at.text.slice(key.range[0], child).includes('\n')) {
        step = diff;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return step ?? 2;
}

function apply(source: string, splices: Splice[]): string {
  return [...splices]
    .sort((a, b) => b.from - a.from)
    .reduce((out, s) => out.slice(0, s.from) + s.text + out.slice(s.to), source);
}

/** The edit must read back as exactly `change` applied to that container, and nothing else. */
function verify(
  at: Located,
  after: string,
  change: (container: Record<string, unknown>) => void,
): void {
  const edited = readDocuments(after);
  if (!edited)
    throw new ManifestEditError('the edited manifest is not valid YAML; nothing is proposed');
  if (edited.length !== at.docs.length)
    throw new ManifestEditError('the edit changed the number of documents; nothing is proposed');
  const expected = at.docs.map(valueOf);
  if (expected.some((doc, i) => doc === undefined && at.docs[i]?.contents !== null))
    throw new ManifestEditError(
      'the file has aliases that expand too far to check the edit; nothing is proposed',
    );
  const containers = at.path.reduce<unknown>(
    (node, key) => (isObject(node) ? node[key] : undefined),
    expected[at.document],
  );
  const target = Array.isArray(containers)
    ? (containers as unknown[]).find(
        (c): c is Record<string, unknown> => isObject(c) && c.name === at.container,
      )
    : undefined;
  if (!target) throw new ManifestEditError(`container ${at.container} is not in the manifest`);
  change(target);
  edited.forEach((doc, i) => {
    if (JSON.stringify(sortKeys(valueOf(doc))) !== JSON.stringify(sortKeys(expected[i])))
      throw new ManifestEditError(
        'the edited manifest does not read back as the intended change alone; nothing is proposed',
      );
  });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  return value;
}
