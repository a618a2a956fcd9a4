// The contract between a caller job and the workflow it calls (`jobs.<id>.uses`), as
// GitHub keeps it: which file a `uses:` names, the callee's typed inputs (given, else
// their defaults), and the secrets it receives (mapped one by one, or all with
// `secrets: inherit`). Dispatch inputs follow the same typing rules.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { interpolate, type Json } from './evaluate.js';
import { packageRoot } from './package-root.js';
import type { InputDefinition } from './workflow-file.js';

const KUBEMEND_WORKFLOW = /^kubemend\/kubemend\/(\.github\/workflows\/[^@/]+\.ya?ml)@.+$/;
const LOCAL_WORKFLOW = /^\.\/(\.github\/workflows\/[^@/]+\.ya?ml)$/;

/**
 * The file a reusable workflow `uses:` names: kubemend's own workflows come from the
 * package (the version the rehearsal ships stands for every ref, a tag or a release's
 * pinned commit alike), or from `ownRoot` (a release rehearses its rewritten copy);
 * `./.github/workflows/…` from the caller's repository. Another repository's workflow:
 * undefined (not available).
 */
export function calleeFile(
  uses: string,
  repositoryDir: string,
  ownRoot: string = packageRoot(),
): string | undefined {
  const own = KUBEMEND_WORKFLOW.exec(uses)?.[1];
  const local = LOCAL_WORKFLOW.exec(uses)?.[1];
  const file = own ? join(ownRoot, own) : local ? resolve(repositoryDir, local) : undefined;
  if (file && !existsSync(file)) throw new Error(`uses: ${uses}: ${file} does not exist`);
  return file;
}

/**
 * Inputs as the callee sees them: each declared input typed (boolean, number, string;
 * choice and environment are strings), the given value else the default else the type's
 * empty value. Undeclared or missing required inputs are errors, as on GitHub.
 */
export function typedInputs(
  declared: Record<string, InputDefinition>,
  given: Record<string, Json>,
  context: Record<string, Json>,
  where: string,
): Record<string, Json> {
  for (const name of Object.keys(given))
    if (!(name in declared)) throw new Error(`${where}: input ${name} is not declared`);
  return Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => {
      const type = spec.type ?? 'string';
      let value = given[name];
      if (value === undefined) {
        if (spec.default === undefined && spec.required)
          throw new Error(`${where}: input ${name} is required and was not given`);
        value =
          typeof spec.default === 'string' && spec.default.includes('${{')
            ? interpolate(spec.default, context)
            : spec.default;
      }
      return [name, typed(value, type, spec, `${where}: input ${name}`)];
    }),
  );
}

function typed(value: Json, type: string, spec: InputDefinition, what: string): Json {
  if (type === 'boolean') {
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`${what}: ${JSON.stringify(value)} is not a boolean (allowed: true, false)`);
  }
  if (type === 'number') {
    if (value === undefined || value === null) return 0;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    if (value === '' || !Number.isFinite(n))
      throw new Error(`${what}: ${JSON.stringify(value)} is not a number`);
    return n;
  }
  if (value === undefined || value === null) return '';
  if (typeof value === 'object')
    throw new Error(`${what}: ${JSON.stringify(value)} is not a string, number or boolean`);
  const text = String(value);
  if (type === 'choice' && spec.options && !spec.options.includes(text))
    throw new Error(`${what}: ${text} is not one of the options (${spec.options.join(', ')})`);
  return text;
}

/**
 * Secrets as the callee sees them: with `inherit`, all the caller's; else the mapped
 * ones, which must be declared. A required secret the caller does not pass is an error.
 */
export function calleeSecrets(
  declared: Record<string, { required?: boolean }>,
  given: Record<string, Json> | 'inherit',
  callerSecrets: Record<string, string>,
  where: string,
): Record<string, string> {
  if (given === 'inherit') return { ...callerSecrets };
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!(name in declared)) throw new Error(`${where}: secret ${name} is not declared`);
    secrets[name] = value === null || value === undefined ? '' : String(value);
  }
  for (const [name, spec] of Object.entries(declared))
    if (spec.required && !(name in secrets))
      throw new Error(`${where}: secret ${name} is required and was not passed`);
  return secrets;
}
