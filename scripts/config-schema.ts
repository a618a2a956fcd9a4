// Writes schema/kubemend.schema.json, the file users point their editors at, from the
// config's one source (src/config/schema.ts). test/docs.test.ts fails when the committed
// file differs from what this writes now. Run: `npm run schema:config`.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { configSchemaJson } from '../src/config/schema.js';
import { SCHEMA_PATH } from './config-docs.js';

/** The schema file as this script writes it: laid out by Prettier (lint checks it). */
export async function configSchemaFile(root: string): Promise<string> {
  const path = join(root, SCHEMA_PATH);
  const options = (await resolveConfig(path)) ?? {};
  return format(configSchemaJson(), { ...options, filepath: path });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(join(root, SCHEMA_PATH), await configSchemaFile(root));
  console.log(`Wrote ${SCHEMA_PATH} from src/config/schema.ts.`);
}
