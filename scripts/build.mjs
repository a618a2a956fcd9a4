// Builds every action into one shared bundle (dist/index.js plus on-demand chunks)
// and writes dist/<action>/index.js, the two-line entry each action.yml points at.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
// The root action.yml runs every stage in one step.
actions.push('all-in-one');

rmSync(dist, { recursive: true, force: true });
// -C: ncc's cache mixes CJS and ESM output between builds and yields a bundle that crashes.
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
    'build',
    'src/main.ts',
    '-o',
    'dist',
    '-C',
    '-q',
    '--license',
    'licenses.txt',
  ],
  { cwd: root, stdio: 'inherit' },
);

// ncc minifies only the entry file; terser takes every chunk (the Kubernetes client's
// chunk shrinks about 15x, mostly generated doc comments).
for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
  const path = join(dist, file);
  const { code } = await minify(readFileSync(path, 'utf8'), {
    module: true,
    compress: { passes: 1 },
    mangle: true,
    format: { comments: false },
  });
  writeFileSync(path, code);
}

for (const action of actions) {
  mkdirSync(join(dist, action), { recursive: true });
  writeFileSync(
    join(dist, action, 'index.js'),
    `import { start } from '../index.js';\nawait start('${action}');\n`,
  );
}
