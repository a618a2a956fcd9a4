// Proposals edit the user's manifests in their repository, so the change is what a person
// would have typed: the one value changed in place, comments, order, quotes and layout
// kept. The edit is on the text, guided by indentation; the result is parsed again and
// must differ from the original in exactly the edited fields, or nothing is proposed.
import { loadAll } from 'js-yaml';
import { isObject } from '../shared/event.js';

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
    let docs: unknown[];
    try {
      docs = loadAll(file.text);
    } catch {
      continue;
    }
    docs.forEach((doc, document) => {
      if (!isObject(doc) || doc.kind !== target.kind || !isObject(doc.metadata)) return;
      const { name, namespace } = doc.metadata;
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

export class ManifestEditError extends Error {
  override name = 'ManifestEditError';
}

interface Line {
  text: string;
  indent: number;
  /** `key:` at the start of the line (after a `- ` when it is a list item). */
  key: string | undefined;
  item: boolean;
}

/**
 * Sets `resources.<section>.memory` of one container in document `document` of `text`.
 * Only block-style YAML is edited; anything else is refused with the reason.
 */
export function setContainerMemory(
  text: string,
  document: number,
  kind: string,
  container: string,
  values: { limits: string; requests: string | undefined },
): string {
  const { lines, parsed, path, itemAt, itemIndent, itemEnd } = locateContainer(
    text,
    document,
    kind,
    container,
  );

  const edits: { at: number; remove: number; insert: string[] }[] = [];
  const resourcesAt = findKey(parsed, itemAt, itemEnd, 'resources', itemIndent - 1, true);
  const pad = (n: number) => ' '.repeat(n);
  const wanted: [string, string | undefined][] = [
    ['limits', values.limits],
    ['requests', values.requests],
  ];
  if (resourcesAt === undefined) {
    const block = [`${pad(itemIndent)}resources:`];
    for (const [section, value] of wanted)
      if (value)
        block.push(`${pad(itemIndent + 2)}${section}:`, `${pad(itemIndent + 4)}memory: ${value}`);
    edits.push({ at: itemEnd, remove: 0, insert: block });
  } else {
    const resIndent = parsed[resourcesAt]?.indent ?? itemIndent;
    const resEnd = blockEnd(parsed, resourcesAt, itemEnd);
    if (
      /\{/.test(lines[resourcesAt] ?? '') ||
      (resEnd === resourcesAt + 1 &&
        /:\s*\S/.test(stripComment(lines[resourcesAt] ?? '').replace(/^\s*(- )?resources:/, '')))
    )
      throw new ManifestEditError(
        'resources is written in flow style; kubemend edits block style only',
      );
    const childIndent = firstChildIndent(parsed, resourcesAt, resEnd) ?? resIndent + 2;
    for (const [section, value] of wanted) {
      if (!value) continue;
      const sectionAt = findKey(parsed, resourcesAt + 1, resEnd, section, resIndent);
      if (sectionAt === undefined) {
        edits.push({
          at: resEnd,
          remove: 0,
          insert: [`${pad(childIndent)}${section}:`, `${pad(childIndent + 2)}memory: ${value}`],
        });
        continue;
      }
      if (/\{/.test(lines[sectionAt] ?? ''))
        throw new ManifestEditError(
          `resources.${section} is written in flow style; kubemend edits block style only`,
        );
      const sectionEnd = blockEnd(parsed, sectionAt, resEnd);
      const memoryAt = findKey(
        parsed,
        sectionAt + 1,
        sectionEnd,
        'memory',
        parsed[sectionAt]?.indent ?? 0,
      );
      if (memoryAt === undefined) {
        const indentOf = firstChildIndent(parsed, sectionAt, sectionEnd) ?? childIndent + 2;
        edits.push({ at: sectionEnd, remove: 0, insert: [`${pad(indentOf)}memory: ${value}`] });
      } else {
        const line = lines[memoryAt] ?? '';
        // Keep the indentation, the quotes' absence and any trailing comment.
        const replaced = line.replace(
          /^(\s*memory:\s*)(["']?)[^\s#"']+\2(\s*(#.*)?)$/,
          `$1${value}$3`,
        );
        if (replaced === line && !line.includes(value))
          throw new ManifestEditError(`cannot read the memory ${section} line`);
        edits.push({ at: memoryAt, remove: 1, insert: [replaced] });
      }
    }
  }
  for (const edit of edits.sort((a, b) => b.at - a.at))
    lines.splice(edit.at, edit.remove, ...edit.insert);
  const out = lines.join('\n');
  verify(text, out, document, path, container, (c) => {
    const resources = (isObject(c.resources) ? c.resources : (c.resources = {})) as Record<
      string,
      Record<string, unknown>
    >;
    resources.limits = { ...resources.limits, memory: values.limits };
    if (values.requests) resources.requests = { ...resources.requests, memory: values.requests };
  });
  return out;
}

/** Sets one container's `image:` in place, keeping quotes and a trailing comment. */
export function setContainerImage(
  text: string,
  document: number,
  kind: string,
  container: string,
  image: string,
): string {
  const { lines, parsed, path, itemAt, itemIndent, itemEnd } = locateContainer(
    text,
    document,
    kind,
    container,
  );
  const imageAt = findKey(parsed, itemAt, itemEnd, 'image', itemIndent - 1, true);
  if (imageAt === undefined)
    throw new ManifestEditError(`container ${container} has no image line`);
  const line = lines[imageAt] ?? '';
  const replaced = line.replace(
    /^(\s*(?:- )?image:\s*)(["']?)[^\s#"']+\2(\s*(#.*)?)$/,
    (_m, head: string, quote: string, tail: string) => `${head}${quote}${image}${quote}${tail}`,
  );
  if (replaced === line) throw new ManifestEditError(`cannot read the image line of ${container}`);
  lines[imageAt] = replaced;
  const out = lines.join('\n');
  verify(text, out, document, path, container, (c) => {
    c.image = image;
  });
  return out;
}

/** The lines of a file and where one container's list item sits in document `document`. */
function locateContainer(text: string, document: number, kind: string, container: string) {
  const path = CONTAINERS_PATH[kind];
  if (!path) throw new ManifestEditError(`kubemend does not edit ${kind} manifests`);
  const lines = text.split('\n');
  const [from, to] = documentRange(lines, document);
  const parsed = lines.map(parse);

  // Walk down the path by indentation: each key is the first child of the one before.
  let start = from;
  let end = to;
  let indent = -1;
  for (const key of path) {
    const at = findKey(parsed, start, end, key, indent);
    if (at === undefined)
      throw new ManifestEditError(`no block-style ${path.join('.')} in the manifest`);
    indent = parsed[at]?.indent ?? 0;
    start = at + 1;
    end = blockEnd(parsed, at, end);
  }
  // The list item `- name: <container>`.
  const itemAt = findContainer(parsed, start, end, container);
  if (itemAt === undefined)
    throw new ManifestEditError(`container ${container} is not in the manifest`);
  const item = parsed[itemAt] as Line;
  return {
    lines,
    parsed,
    path,
    itemAt,
    itemIndent: item.indent + 2,
    itemEnd: blockEnd(parsed, itemAt, end, true),
  };
}

function parse(text: string): Line {
  const indent = text.length - text.trimStart().length;
  const body = text.trimStart();
  const item = body.startsWith('- ');
  const key = /^(?:- )?([A-Za-z0-9_./-]+):(?:\s|$)/.exec(body)?.[1];
  return { text, indent, key, item };
}

/** Line range [from, to) of document `n` (documents separated by `---`). */
function documentRange(lines: string[], n: number): [number, number] {
  const bounds = [0];
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line)) bounds.push(i + 1);
  });
  // A file that starts with `---` has an empty document 0 that js-yaml does not count.
  const starts = bounds.filter((start, i) => (i === 0 ? !/^---(\s|$)/.test(lines[0] ?? '') : true));
  const from = starts[n];
  if (from === undefined) throw new ManifestEditError(`document ${n} is not in the file`);
  const next = lines.findIndex((line, i) => i >= from && /^---(\s|$)/.test(line));
  return [from, next === -1 ? lines.length : next];
}

const isContent = (line: Line): boolean =>
  line.text.trim() !== '' && !line.text.trimStart().startsWith('#');

function findKey(
  lines: Line[],
  start: number,
  end: number,
  key: string,
  parentIndent: number,
  inItem = false,
): number | undefined {
  let childIndent: number | undefined;
  for (let i = start; i < end; i++) {
    const line = lines[i] as Line;
    if (!isContent(line)) continue;
    const indent = line.item && inItem && i === start ? line.indent + 2 : line.indent;
    if (indent <= parentIndent && !(inItem && i === start)) return undefined;
    childIndent ??= indent;
    if (indent === childIndent && line.key === key) return i;
  }
  return undefined;
}

/** The line after the block that starts at `at` (its deeper-indented lines). */
function blockEnd(lines: Line[], at: number, end: number, item = false): number {
  const own = lines[at] as Line;
  const base = own.indent;
  let last = at;
  for (let i = at + 1; i < end; i++) {
    const line = lines[i] as Line;
    if (!isContent(line)) continue;
    if (
      line.indent < base ||
      (line.indent === base &&
        (!item || line.item) &&
        !(own.item && !line.item && line.indent > base))
    )
      break;
    if (line.indent === base && !item) break;
    last = i;
  }
  return last + 1;
}

function firstChildIndent(lines: Line[], at: number, end: number): number | undefined {
  for (let i = at + 1; i < end; i++)
    if (isContent(lines[i] as Line)) return (lines[i] as Line).indent;
  return undefined;
}

function findContainer(
  lines: Line[],
  start: number,
  end: number,
  name: string,
): number | undefined {
  for (let i = start; i < end; i++) {
    const line = lines[i] as Line;
    if (!line.item) continue;
    if (
      new RegExp(
        `^- name:\\s*["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*(#.*)?$`,
      ).test(line.text.trimStart())
    )
      return i;
    // `- image: ...` first and `name:` later in the same item.
    const itemEnd = blockEnd(lines, i, end, true);
    for (let j = i + 1; j < itemEnd; j++) {
      const inner = lines[j] as Line;
      if (
        inner.indent === line.indent + 2 &&
        inner.key === 'name' &&
        new RegExp(`:\\s*["']?${name}["']?\\s*(#.*)?$`).test(inner.text)
      )
        return i;
    }
  }
  return undefined;
}

function stripComment(line: string): string {
  return line.replace(/\s+#.*$/, '');
}

/** The edit must read back as exactly `change` applied to that container, and nothing else. */
function verify(
  before: string,
  after: string,
  document: number,
  path: string[],
  container: string,
  change: (container: Record<string, unknown>) => void,
): void {
  let edited: unknown;
  let old: unknown;
  try {
    edited = loadAll(after)[document];
    old = loadAll(before)[document];
  } catch {
    throw new ManifestEditError('the edited manifest is not valid YAML; nothing is proposed');
  }
  const containersOf = (doc: unknown) =>
    path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), doc) as
      Record<string, unknown>[] | undefined;
  const expected = structuredClone(old);
  const expectedTarget = containersOf(expected)?.find((c) => c.name === container);
  if (!expectedTarget) throw new ManifestEditError(`container ${container} is not in the manifest`);
  change(expectedTarget);
  if (JSON.stringify(sortKeys(expected)) !== JSON.stringify(sortKeys(edited)))
    throw new ManifestEditError(
      'the edited manifest does not read back as the intended change alone; nothing is proposed',
    );
  if (loadAll(after).length !== loadAll(before).length)
    throw new ManifestEditError('the edit changed the number of documents');
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
