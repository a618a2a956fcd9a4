// Writes docs/config.md, the config reference, from schema/kubemend.schema.json (itself
// written from src/config/schema.ts), so the reference cannot say what the validator does not. test/docs.test.ts fails when the
// committed file differs from what this renders now.
// Run with Node 24, which strips the types: `npm run docs:config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

export interface Schema {
  title?: string;
  description?: string;
  type?: string;
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  minProperties?: number;
  uniqueItems?: boolean;
  required?: string[];
  contains?: Schema;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  $defs?: Record<string, Schema>;
}

export const CONFIG_DOCS_PATH = 'docs/config.md';
export const SCHEMA_PATH = 'schema/kubemend.schema.json';

interface Row {
  key: string;
  type: string;
  description: string;
}

const defName = (ref: string): string => ref.replace('#/$defs/', '');

/** Markdown table cells: a pipe ends a cell even inside a code span, and newlines end the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const code = (text: string): string => `\`${text}\``;

export function renderConfigDocs(schema: Schema): string {
  const defs = schema.$defs ?? {};
  const resolveRef = (s: Schema): Schema => (s.$ref ? (defs[defName(s.$ref)] ?? {}) : s);
  // Value types: $defs that are plain values (not objects), listed once at the end.
  const valueTypes = Object.entries(defs).filter(([, d]) => d.type !== 'object');
  const isValueType = (ref: string): boolean => valueTypes.some(([name]) => name === defName(ref));

  const typeOf = (s: Schema): string => {
    if (s.$ref && isValueType(s.$ref)) {
      const name = defName(s.$ref);
      return `[${name}](#${name.toLowerCase()})`;
    }
    const t = resolveRef(s);
    if (t.enum) return `one of ${t.enum.map((v) => code(String(v))).join(', ')}`;
    if (t.const !== undefined) return code(String(t.const));
    const limits = (lo?: number, hi?: number): string =>
      lo !== undefined && hi !== undefined
        ? ` ${lo} to ${hi}`
        : hi !== undefined
          ? ` at most ${hi}`
          : lo !== undefined
            ? ` at least ${lo}`
            : '';
    switch (t.type) {
      case 'array': {
        const parts = [`list of ${t.items ? typeOf(t.items) : 'values'}`];
        if (t.minItems !== undefined) parts.push(`at least ${t.minItems}`);
        if (t.maxItems !== undefined) parts.push(`at most ${t.maxItems}`);
        if (t.uniqueItems) parts.push('no repeats');
        if (t.contains) parts.push(`must include ${typeOf(t.contains)}`);
        return parts.join(', ');
      }
      case 'object': {
        if (t.properties) return 'object';
        const value =
          typeof t.additionalProperties === 'object' ? typeOf(t.additionalProperties) : 'value';
        const parts = [`map of name → ${value}`];
        if (t.propertyNames?.pattern) parts.push(`names matching ${code(t.propertyNames.pattern)}`);
        if (t.maxProperties !== undefined) parts.push(`at most ${t.maxProperties}`);
        return parts.join(', ');
      }
      case 'integer':
      case 'number':
        return `${t.type}${limits(t.minimum, t.maximum)}`;
      case 'string': {
        const parts = ['string'];
        if (t.minLength !== undefined || t.maxLength !== undefined)
          parts.push(`of${limits(t.minLength, t.maxLength)} characters`);
        if (t.pattern) parts.push(`matching ${code(t.pattern)}`);
        return parts.join(' ');
      }
      default:
        return t.type ?? 'value';
    }
  };

  // One row per key, depth first: nested objects, list items and named entries get rows
  // of their own under their parent's path.
  const rows = (s: Schema, path: string, out: Row[], required = false): Row[] => {
    const t = resolveRef(s);
    const description = s.description ?? t.description ?? '';
    out.push({
      key: path,
      type: typeOf(s),
      description: required ? `Required. ${description}`.trim() : description,
    });
    const children = (owner: Schema, prefix: string): void => {
      for (const [name, child] of Object.entries(owner.properties ?? {}))
        rows(child, `${prefix}.${name}`, out, owner.required?.includes(name) ?? false);
    };
    if (t.type === 'object' && t.properties) children(t, path);
    else if (t.type === 'object' && typeof t.additionalProperties === 'object')
      children(resolveRef(t.additionalProperties), `${path}.<name>`);
    else if (t.type === 'array' && t.items) children(resolveRef(t.items), `${path}[]`);
    return out;
  };

  const table = (body: Row[]): string[] => [
    '| key | type | description |',
    '| --- | --- | --- |',
    ...body.map((r) => `| ${cell(code(r.key))} | ${cell(r.type)} | ${cell(r.description)} |`),
  ];

  const lines: string[] = [
    '# Config reference',
    '',
    '<!-- Generated from schema/kubemend.schema.json by scripts/config-docs.ts: edit src/config/schema.ts, then run `npm run docs:config`. -->',
    '',
    `\`.github/kubemend.yml\` in your repository: ${schema.title ?? 'kubemend config'}. ${schema.description ?? ''}`,
    '',
    "The actions and `kubemend validate-config` check the file against [the schema](../schema/kubemend.schema.json) (JSON Schema 2020-12; point your editor's YAML language server at it). A key the schema does not list is an error. `<name>` stands for a name you choose; `[]` for each item of a list.",
    '',
    `Sections: ${Object.keys(schema.properties ?? {})
      .map((name) => `[${name}](#${name})`)
      .join(', ')}.`,
  ];
  for (const [name, section] of Object.entries(schema.properties ?? {})) {
    const [head, ...rest] = rows(section, name, []);
    if (head === undefined) continue;
    lines.push('', `## ${name}`, '', head.description, '');
    // A section that is a map (clusters) keeps its own row: its names have rules too.
    lines.push(...table(head.type === 'object' ? rest : [head, ...rest]));
  }
  lines.push('', '## Value types', '');
  for (const [name, def] of valueTypes) {
    lines.push(`### ${name}`, '', def.description ?? '', '', `Allowed: ${typeOf(def)}.`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** docs/config.md as this script writes it: rendered from the schema, laid out by Prettier (lint checks it). */
export async function configDocs(root: string): Promise<string> {
  const schema = JSON.parse(readFileSync(join(root, SCHEMA_PATH), 'utf8')) as Schema;
  const path = join(root, CONFIG_DOCS_PATH);
  const options = (await resolveConfig(path)) ?? {};
  return format(renderConfigDocs(schema), { ...options, filepath: path });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(join(root, CONFIG_DOCS_PATH), await configDocs(root));
  console.log(`Wrote ${CONFIG_DOCS_PATH} from ${SCHEMA_PATH}.`);
}
