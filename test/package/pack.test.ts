// The npm package as a user gets it: `npm pack` of this repository, installed offline
// into an empty folder (it has no dependencies: dist/ bundles them), where `npx kubemend`
// answers --version, triages a payload, validates a config and plays a rehearsal.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/rehearse/action.js';

const exec = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
};

let project: string;
let tarball: string;
let sourceManifest: string;

beforeAll(async () => {
  // Packed from a copy of what `files` names, so the prepack hook never edits this
  // working tree's package.json while other tests read it.
  const source = mkdtempSync(join(tmpdir(), 'kubemend-source-'));
  for (const entry of [...manifest.files, 'package.json', 'scripts/pack-manifest.mjs'])
    for (const path of expand(entry))
      cpSync(join(repoRoot, path), join(source, path), { recursive: true });
  const packed = mkdtempSync(join(tmpdir(), 'kubemend-pack-'));
  const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', packed], {
    cwd: source,
    maxBuffer: 16 * 1024 * 1024,
  });
  tarball = join(packed, stdout.trim().split('\n').at(-1) ?? '');
  sourceManifest = readFileSync(join(source, 'package.json'), 'utf8');
  project = mkdtempSync(join(tmpdir(), 'kubemend-user-'));
  writeFileSync(join(project, 'package.json'), '{"name":"gitops","private":true}\n');
  await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
  });
});

/** A `files` entry's paths: `actions/*\/action.yml` has one star, the rest none. */
function expand(entry: string): string[] {
  const clean = entry.replace(/\/$/, '');
  if (!clean.includes('*')) return [clean];
  const [dir = '', rest = ''] = clean.split('/*/');
  return readdirSync(join(repoRoot, dir))
    .map((name) => `${dir}/${name}/${rest}`)
    .filter((path) => existsSync(join(repoRoot, path)));
}

const npx = (args: string[], cwd = project) =>
  exec('npx', ['--offline', '--no', '--', 'kubemend', ...args], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  });

describe('the packed npm package', () => {
  it('installs offline with no dependency of its own and leaves the repository manifest as it was', () => {
    const installed = JSON.parse(
      readFileSync(join(project, 'node_modules/kubemend/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(installed.private).toBeUndefined();
    expect(installed.dependencies).toBeUndefined();
    expect(installed.optionalDependencies).toBeUndefined();
    expect(readdirSync(join(project, 'node_modules')).sort()).toEqual([
      '.bin',
      '.package-lock.json',
      'kubemend',
    ]);
    // postpack put the repository's own manifest back.
    expect(sourceManifest).toBe(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  });

  it('answers --version, triage and validate-config in an empty folder', async () => {
    expect((await npx(['--version'])).stdout.trim()).toBe(manifest.version);
    writeFileSync(
      join(project, 'alert.json'),
      JSON.stringify({ title: 'ImagePullBackOff in shop', cluster: 'homelab', namespace: 'shop' }),
    );
    const triaged = JSON.parse((await npx(['triage', 'alert.json'])).stdout) as {
      incidents: { categories: { name: string }[] }[];
    };
    expect(triaged.incidents[0]?.categories.map((c) => c.name)).toContain('image-pull');
    writeFileSync(join(project, 'kubemend.yml'), 'playbooks:\n  image-pull: { mode: auto }\n');
    expect((await npx(['validate-config', 'kubemend.yml'])).stdout).toContain('image-pull=auto');
  });

  it('plays a rehearsal from the installed package', async () => {
    cpSync(join(repoRoot, 'examples/rehearsals'), join(project, 'rehearsals'), { recursive: true });
    const { stdout } = await npx(['rehearse', '--json', 'rehearsals/node-cpu.yaml']);
    const result = JSON.parse(stdout) as { ok: boolean; steps: unknown[] };
    expect(result.ok).toBe(true);
    expect(result.steps.length).toBeGreaterThan(0);
  });
});
