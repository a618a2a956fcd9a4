import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { load } from 'js-yaml';
import { findFiles } from '../../scripts/lint-workflows.js';
import { repoRoot } from '../../src/rehearse/action.js';

const isYaml = (name: string): boolean => /\.ya?ml$/.test(name);
const DOCKERFILE = /^(Dockerfile|Containerfile)(\..+)?$|\.Dockerfile$/;
const listing = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

/**
 * What each ecosystem needs to find in a directory it is pointed at, as Dependabot reads
 * it: npm a package.json; github-actions for "/" the .github/workflows folder or a root
 * action.yml, for any other directory the workflow files in it; docker a Dockerfile.
 */
const ECOSYSTEMS: Record<string, { what: string; holds: (dir: string, entry: string) => boolean }> =
  {
    npm: { what: 'package.json', holds: (dir) => existsSync(join(dir, 'package.json')) },
    'github-actions': {
      what: 'workflow file (*.yml)',
      holds: (dir, entry) =>
        entry === '/'
          ? listing(join(dir, '.github/workflows')).some(isYaml) ||
            existsSync(join(dir, 'action.yml'))
          : listing(dir).some(isYaml),
    },
    docker: { what: 'Dockerfile', holds: (dir) => listing(dir).some((n) => DOCKERFILE.test(n)) },
  };

/** The Dependabot directory that covers a folder of workflows. */
const dependabotDirectory = (folder: string): string =>
  folder === '.github/workflows' ? '/' : `/${folder}`;

/** Dockerfiles of the repository, outside node_modules and dot folders, three levels deep. */
function dockerfiles(root: string, dir = root, depth = 0): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isFile() && DOCKERFILE.test(entry.name))
      return [relative(root, join(dir, entry.name))];
    if (!entry.isDirectory() || depth >= 2) return [];
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    return dockerfiles(root, join(dir, entry.name), depth + 1);
  });
}

/** What is wrong with a dependabot.yml for the repository at `root`, one line each. */
function dependabotProblems(root: string, text: string): string[] {
  const problems: string[] = [];
  const config = load(text) as { version?: unknown; updates?: unknown };
  if (config?.version !== 2) problems.push('version must be 2');
  if (!Array.isArray(config?.updates)) return [...problems, 'updates must be a list'];
  const covered: Record<string, string[]> = {};
  config.updates.forEach((update: Record<string, unknown>, i: number) => {
    const ecosystem = String(update['package-ecosystem']);
    const rule = ECOSYSTEMS[ecosystem];
    if (!rule) {
      problems.push(
        `updates[${i}].package-ecosystem "${ecosystem}" is not one this check knows: ${Object.keys(ECOSYSTEMS).join(', ')}`,
      );
      return;
    }
    const entries = (update.directories ?? [update.directory]) as unknown[];
    if (!(update.schedule as { interval?: unknown } | undefined)?.interval)
      problems.push(`updates[${i}] (${ecosystem}): schedule.interval is required`);
    for (const entry of entries) {
      if (typeof entry !== 'string' || !entry.startsWith('/')) {
        problems.push(`updates[${i}] (${ecosystem}): a directory must be a path from "/"`);
        continue;
      }
      const dir = join(root, entry);
      if (!existsSync(dir)) problems.push(`${ecosystem} directory ${entry} does not exist`);
      else if (!rule.holds(dir, entry))
        problems.push(`${ecosystem} directory ${entry} holds no ${rule.what}`);
      (covered[ecosystem] ??= []).push(entry.replace(/(.)\/$/, '$1'));
    }
  });
  const folders = new Set(findFiles(root).workflows.map((path) => relative(root, dirname(path))));
  for (const folder of folders) {
    const wanted = dependabotDirectory(folder);
    if (!covered['github-actions']?.includes(wanted))
      problems.push(
        `workflows in ${folder} are not watched: add ${wanted} to the github-actions directories`,
      );
  }
  for (const file of dockerfiles(root)) {
    const wanted = `/${dirname(file)}`.replace(/^\/\.$/, '/');
    if (!covered.docker?.includes(wanted))
      problems.push(`${file} is not watched: add ${wanted} to the docker directories`);
  }
  return problems;
}

function scratchRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kubemend-dependabot-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const CONFIG = readFileSync(join(repoRoot, '.github/dependabot.yml'), 'utf8');

describe('the Dependabot configuration', () => {
  it('points every ecosystem at directories holding its files, and watches every shipped workflow folder and Dockerfile', () => {
    expect(dependabotProblems(repoRoot, CONFIG)).toEqual([]);
  });

  it('keeps npm, the actions of the workflows and templates, and the relay image current', () => {
    const config = load(CONFIG) as {
      updates: { 'package-ecosystem': string; directory?: string; directories?: string[] }[];
    };
    const watched = config.updates.map((u) => [
      u['package-ecosystem'],
      u.directories ?? [u.directory],
    ]);
    expect(watched).toEqual([
      ['npm', ['/']],
      ['github-actions', ['/', '/workflows-templates']],
      ['docker', ['/']],
    ]);
  });

  it('fails when a folder moves: a directory that is gone, or one left without its files', () => {
    const root = scratchRepo({
      'package.json': '{}',
      '.github/workflows/ci.yml': 'on: push\n',
      'workflows-templates/t.yml': 'on: push\n',
      'deploy/relay/Dockerfile': 'FROM node:24\n',
      'docs/readme.md': '',
    });
    const config = [
      'version: 2',
      'updates:',
      '  - package-ecosystem: npm',
      '    directory: /docs',
      '    schedule: { interval: weekly }',
      '  - package-ecosystem: github-actions',
      '    directories: [/, /templates]',
      '    schedule: { interval: weekly }',
      '  - package-ecosystem: docker',
      '    directory: /',
      '    schedule: { interval: weekly }',
      '',
    ].join('\n');
    expect(dependabotProblems(root, config)).toEqual([
      'npm directory /docs holds no package.json',
      'github-actions directory /templates does not exist',
      'docker directory / holds no Dockerfile',
      'workflows in workflows-templates are not watched: add /workflows-templates to the github-actions directories',
      'deploy/relay/Dockerfile is not watched: add /deploy/relay to the docker directories',
    ]);
  });
});
