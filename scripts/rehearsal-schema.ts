// Writes schema/rehearsal.schema.json, the file editors validate rehearsal files with,
// from the rehearsal file's one source (src/rehearse/file-schema.ts).
// test/rehearse/contract.test.ts fails when the committed file differs from what this
// writes now. Run: `npm run schema:rehearsal`.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { rehearsalSchemaJson } from '../src/rehearse/file-schema.js';

export const REHEARSAL_SCHEMA_PATH = 'schema/rehearsal.schema.json';

/** The schema file as this script writes it: laid out by Prettier (lint checks it). */
export async function rehearsalSchemaFile(root: string): Promise<string> {
  const path = join(root, REHEARSAL_SCHEMA_PATH);
  const options = (await resolveConfig(path)) ?? {};
  return format(rehearsalSchemaJson(), { ...options, filepath: path });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(join(root, REHEARSAL_SCHEMA_PATH), await rehearsalSchemaFile(root));
  console.log(`Wrote ${REHEARSAL_SCHEMA_PATH} from src/rehearse/file-schema.ts.`);
}
