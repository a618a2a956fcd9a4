// CONTRIBUTING.md and the pull request template send contributors to real places: every
// repository path they name exists, every npm script they name is in package.json, and
// the set-up is the two commands the README tests with.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
const scripts = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);
const GUIDES = ['CONTRIBUTING.md', '.github/PULL_REQUEST_TEMPLATE.md'];

/** The words inside `code spans` that look like repository paths (placeholders in capitals excepted). */
function namedPaths(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return spans
    .flatMap((span) => span.split(/\s+/))
    .map((word) => word.replace(/[,;:)]+$/, ''))
    .filter((word) => /^\.?[\w-][\w.-]*(\/[\w.-]*)*$/.test(word))
    .filter((word) => word.includes('/') || /\.(md|ya?ml|json|ts|js|mjs)$/.test(word))
    .filter((word) => !/[A-Z]{3,}/.test(word) && !word.startsWith('node_modules'));
}

/** `npm test` and every `npm run <script>`; `bench:*` stands for the scripts it prefixes. */
function namedScripts(text: string): string[] {
  const named = [...text.matchAll(/npm run ([\w:*-]+)/g)].map((m) => m[1]!);
  if (/npm test\b/.test(text)) named.push('test');
  return [...new Set(named)];
}

describe.each(GUIDES)('%s', (guide) => {
  const text = read(guide);

  it('names only repository paths that exist', () => {
    const paths = namedPaths(text);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });

  it('names only npm scripts package.json defines', () => {
    const named = namedScripts(text);
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter((name) =>
      name.endsWith('*')
        ? !scripts.some((script) => script.startsWith(name.slice(0, -1)))
        : !scripts.includes(name),
    );
    expect(missing).toEqual([]);
  });
});

describe('CONTRIBUTING.md', () => {
  const text = read('CONTRIBUTING.md');

  it('sets up in two commands: npm ci and the test command the README shows', () => {
    const block = /## Set up\n\n```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm ci', 'npm test']);
    expect(read('README.md')).toMatch(/^npm test$/m);
  });

  it('covers the heavy suite, the build, the habits and each thing a contributor adds', () => {
    for (const part of [
      'npm run test:heavy',
      'npm run build',
      '## The benchmark habit',
      '## The rehearsal habit',
      '## Adding a playbook',
      '## Adding a triage rule or a category',
      '## Adding an alert source',
    ])
      expect([part, text.includes(part)]).toEqual([part, true]);
  });

  it('stays short enough to read before a first pull request', () => {
    expect(text.split('\n').length).toBeLessThanOrEqual(150);
  });
});

describe('the path finder', () => {
  it('reads paths out of code spans and commands, and leaves placeholders and code names alone', () => {
    expect(
      namedPaths(
        'Run `node bin/kubemend.js rehearse examples/rehearsals/FILE.yaml`, see `src/sim/`, `action.yml`, `RUNNERS` and `npm run build`.',
      ),
    ).toEqual(['bin/kubemend.js', 'src/sim/', 'action.yml']);
    expect(namedScripts('`npm run bench:*`, `npm test -- x`, npm run docs:config')).toEqual([
      'bench:*',
      'docs:config',
      'test',
    ]);
  });
});
