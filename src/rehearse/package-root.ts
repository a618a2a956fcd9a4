// Where kubemend's own files (action.yml, actions/*, .github/workflows/*) live: the
// nearest folder above this module whose package.json is kubemend's. Walking up, rather
// than a fixed '../..', finds it both from src/rehearse/ (ts-jest, the type-stripping
// loader) and from the ncc bundle in dist/, whose own package.json names no package.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findPackageRoot(from: string, name = 'kubemend'): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && packageName(manifest) === name) return dir;
    if (dirname(dir) === dir)
      throw new Error(`no package.json named ${name} in ${from} or any folder above it`);
  }
}

function packageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

let cached: string | undefined;

/** kubemend's package root, found once. */
export function packageRoot(): string {
  cached ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  return cached;
}
