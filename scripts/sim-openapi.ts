// Writes src/sim/github/openapi-subset.json: the part of GitHub's REST description
// (@octokit/openapi, a devDependency) that the GitHub emulator needs at run time, so the
// emulator ships in the CLI bundle without the 13 MB description. It keeps
//   - every route (method, path, operationId), so a request is matched as on GitHub: an
//     operation the emulator lacks is still told apart from a path GitHub does not have,
//     and a literal segment still beats a parameter;
//   - the full operation (parameters, request body, responses) of each operation the
//     emulator implements, and every component those reach through $ref;
// and drops what neither routing, validation nor response completion reads (prose,
// examples, response headers). test/emulators/github-openapi-subset.test.ts fails when
// the committed file differs from what this writes. Run: `npm run sim:openapi`.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANDLERS, SERVER_OPERATIONS } from '../src/sim/github/handlers/index.js';

export const SUBSET_PATH = 'src/sim/github/openapi-subset.json';

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** Keys whose values are maps of names (a property called `description` is kept there). */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'content', 'responses']);
/** Prose and samples: no validator, router or completer reads them. */
const PROSE = new Set(['description', 'summary', 'title']);
const DROPPED = new Set(['example', 'examples', 'externalDocs', 'x-github', 'tags', 'headers']);

function strip(node: unknown, namesOnly = false): unknown {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (!isJson(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (namesOnly) out[key] = strip(value);
    else if (DROPPED.has(key) || (PROSE.has(key) && typeof value === 'string')) continue;
    else out[key] = strip(value, NAME_MAPS.has(key));
  }
  return out;
}

/** The `components` entries `node` reaches, transitively, as `type/name` keys. */
function reachable(spec: Json, roots: unknown[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const components = spec.components as Record<string, Json>;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isJson(node)) return;
    if (typeof node.$ref === 'string') {
      const [, type = '', name = ''] = /^#\/components\/([^/]+)\/([^/]+)$/.exec(node.$ref) ?? [];
      if (!type || !name) throw new Error(`unsupported $ref ${node.$ref}`);
      const key = `${type}/${name}`;
      if (!found.has(key)) {
        const target = strip(components[type]?.[name]);
        if (target === undefined) throw new Error(`dangling $ref ${node.$ref}`);
        found.set(key, target);
        visit(target);
      }
    }
    Object.values(node).forEach(visit);
  };
  roots.forEach(visit);
  return found;
}

/** The subset document for the operations `implemented`, from the full description. */
export function buildSubset(spec: Json, implemented: Iterable<string>): Json {
  const wanted = new Set(implemented);
  const paths: Json = {};
  const roots: unknown[] = [];
  for (const [template, item] of Object.entries(spec.paths as Record<string, Json>)) {
    const out: Json = {};
    let full = false;
    for (const method of METHODS) {
      const op = item[method];
      if (!isJson(op)) continue;
      const id = String(op.operationId);
      if (wanted.has(id)) {
        wanted.delete(id);
        full = true;
        out[method] = strip(op);
        roots.push(out[method]);
      } else out[method] = { operationId: id, 'x-route-only': true };
    }
    if (full && item.parameters) {
      out.parameters = strip(item.parameters);
      roots.push(out.parameters);
    }
    paths[template] = out;
  }
  if (wanted.size > 0)
    throw new Error(`operations not in the description: ${[...wanted].sort().join(', ')}`);
  const components: Record<string, Json> = {};
  const found = [...reachable(spec, roots)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of found) {
    const [type, name] = key.split('/') as [string, string];
    (components[type] ??= {})[name] = value;
  }
  const info = spec.info as Json;
  return {
    openapi: spec.openapi,
    info: {
      title: `${String(info.title)}: the subset the kubemend GitHub emulator serves`,
      version: info.version,
    },
    paths,
    components,
  };
}

/** The file as this script writes it, from the installed @octokit/openapi. */
export function subsetFile(): string {
  const require = createRequire(import.meta.url);
  const spec = JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
  ) as Json;
  const subset = buildSubset(spec, [...Object.keys(HANDLERS), ...SERVER_OPERATIONS]);
  return `${JSON.stringify(subset, null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const text = subsetFile();
  writeFileSync(join(root, SUBSET_PATH), text);
  console.log(`Wrote ${SUBSET_PATH} (${Math.round(text.length / 1024)} KiB).`);
}
