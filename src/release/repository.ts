// What a release reads of the repository it runs in: its tags (git, without a shell),
// package.json, CHANGELOG.md, and the shipped workflows whose references it pins.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../shared/errors.js';
import { REUSABLE_WORKFLOW, TEMPLATES_DIR, type ReleaseInputs } from './plan.js';
import { rewriteReferences, type PinTo } from './rewrite.js';

const run = promisify(execFile);

/** `git tag --list 'v*'` in the folder (an argument list: no shell sees the pattern). */
export async function gitTags(dir: string): Promise<string[]> {
  const { stdout } = await run('git', ['tag', '--list', 'v*'], { cwd: dir });
  return stdout.split('\n').filter(Boolean);
}

/** The reusable workflow and every template, by repository path. */
export function shippedWorkflows(dir: string): Record<string, string> {
  const templates = existsSync(join(dir, TEMPLATES_DIR))
    ? readdirSync(join(dir, TEMPLATES_DIR))
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => `${TEMPLATES_DIR}/${name}`)
    : [];
  return Object.fromEntries(
    [REUSABLE_WORKFLOW, ...templates]
      .filter((path) => existsSync(join(dir, path)))
      .map((path) => [path, readFileSync(join(dir, path), 'utf8')]),
  );
}

function read(dir: string, path: string): string {
  if (!existsSync(join(dir, path))) throw new UsageError(`${path} is missing in ${dir}`);
  return readFileSync(join(dir, path), 'utf8');
}

export async function releaseInputs(dir: string, version: string): Promise<ReleaseInputs> {
  return {
    version,
    tags: await gitTags(dir),
    packageJson: read(dir, 'package.json'),
    changelog: read(dir, 'CHANGELOG.md'),
    workflows: shippedWorkflows(dir),
  };
}

/** Rewrites the shipped workflows in place; the files changed, with their new text. */
export function pinShippedWorkflows(dir: string, to: PinTo): string[] {
  const changed: string[] = [];
  for (const [path, text] of Object.entries(shippedWorkflows(dir))) {
    const pinned = rewriteReferences(text, to);
    if (pinned === text) continue;
    writeFileSync(join(dir, path), pinned);
    changed.push(path);
  }
  return changed;
}
