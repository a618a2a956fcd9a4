// The `--json` contract as the README and docs/rehearse.md show it names exactly the
// fields the JSON Schema (schema/rehearsal-result.schema.json) declares, so the prose
// cannot drift from what `kubemend rehearse --json` prints (the example tests validate
// real output against the schema).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { repoRoot } from '../../src/rehearse/action.js';
import { REHEARSAL_SCHEMA_PATH, rehearsalSchemaFile } from '../../scripts/rehearsal-schema.js';

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
  $defs?: Record<string, Schema>;
};
const schema = JSON.parse(
  readFileSync(join(repoRoot, 'schema/rehearsal-result.schema.json'), 'utf8'),
) as Schema;
const resolve = (s: Schema | undefined): Schema | undefined =>
  s?.$ref ? schema.$defs?.[s.$ref.replace('#/$defs/', '')] : s;

/** The first ```json block after `heading` in a Markdown file. */
function contractIn(file: string, heading: string): Record<string, unknown> {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const after = text.slice(text.indexOf(heading));
  const block = /```json\n([\s\S]*?)```/.exec(after)?.[1];
  if (!block) throw new Error(`${file}: no json block after ${heading}`);
  return JSON.parse(block) as Record<string, unknown>;
}

/** Every object's keys, with the schema's declared keys at the same place. */
function compare(value: unknown, at: Schema | undefined, path: string, out: string[]): void {
  const node = resolve(at);
  if (Array.isArray(value)) {
    const first = value[0];
    if (typeof first === 'object' && first !== null) compare(first, node?.items, `${path}[]`, out);
    return;
  }
  if (typeof value !== 'object' || value === null || !node?.properties) return;
  const shown = Object.keys(value).sort();
  const declared = Object.keys(node.properties)
    .filter((k) => k !== 'knownFailing')
    .sort();
  if (JSON.stringify(shown) !== JSON.stringify(declared))
    out.push(
      `${path || '(top)'}: shows ${shown.join(', ')}; the schema declares ${declared.join(', ')}`,
    );
  for (const [key, child] of Object.entries(value))
    compare(child, node.properties[key], path ? `${path}.${key}` : key, out);
}

describe('the rehearsal JSON contract', () => {
  it.each([
    ['README.md', '## Rehearsals'],
    ['docs/rehearse.md', '## `--json`: the contract'],
  ])('as %s shows it names the fields the JSON Schema declares', (file, heading) => {
    const problems: string[] = [];
    compare(contractIn(file, heading), schema, '', problems);
    expect(problems).toEqual([]);
  });
});

describe('the rehearsal file schema for editors', () => {
  it('schema/rehearsal.schema.json is what src/rehearse/file-schema.ts generates now', async () => {
    const committed = readFileSync(join(repoRoot, REHEARSAL_SCHEMA_PATH), 'utf8');
    if (committed !== (await rehearsalSchemaFile(repoRoot)))
      throw new Error(
        `${REHEARSAL_SCHEMA_PATH} is stale: run \`npm run schema:rehearsal\` and commit it.`,
      );
  });

  it('accepts every example rehearsal and refuses an unknown key, read by Ajv', () => {
    const validate = new Ajv2020({ strict: false }).compile(
      JSON.parse(readFileSync(join(repoRoot, REHEARSAL_SCHEMA_PATH), 'utf8')) as object,
    );
    const dir = join(repoRoot, 'examples/rehearsals');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const doc = load(readFileSync(join(dir, file), 'utf8'));
      expect([file, validate(doc) ? [] : validate.errors]).toEqual([file, []]);
    }
    expect(
      validate({
        scenario: 'registry-outage',
        cluster: 'lab',
        steps: [{ at: '0s', facts: {} }],
        clustr: 1,
      }),
    ).toBe(false);
  });
});
