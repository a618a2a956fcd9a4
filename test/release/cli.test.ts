// `npm run release:plan` and `npm run release:rewrite` in a repository of their own: the
// tags come from git, the plan is printed, the files are pinned in place, and bad input
// gets one line and exit code 2.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/rehearse/action.js';

const run = promisify(execFile);
const NODE = join(repoRoot, 'node_modules/.bin/node');
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** A repository with kubemend's shipped workflows, package.json at 0.2.0 and tag v0.1.0. */
async function repository(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-release-cli-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  cpSync(
    join(repoRoot, '.github/workflows/kubemend.yml'),
    join(dir, '.github/workflows/kubemend.yml'),
  );
  cpSync(join(repoRoot, 'workflows-templates'), join(dir, 'workflows-templates'), {
    recursive: true,
  });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'kubemend', version: '0.2.0', repository: 'github:kubemend/kubemend' }),
  );
  writeFileSync(
    join(dir, 'CHANGELOG.md'),
    '# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-08\n\n- pinned releases\n\n## [0.1.0] - 2026-12-07\n\n- first\n',
  );
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-qm', 'x');
  await git('tag', 'v0.1.0');
  await git('tag', 'v0');
  return dir;
}

async function script(
  name: string,
  dir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      NODE,
      [
        '--import',
        join(repoRoot, 'test/support/ts-resolve.mjs'),
        join(repoRoot, 'scripts', name),
        ...args,
      ],
      { cwd: dir },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeAll(async () => {
  dir = await repository();
});

describe('npm run release:plan', () => {
  it("prints the plan from the repository's tags and files", async () => {
    const { code, stdout } = await script('release-plan.ts', dir, ['0.2.0']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^release 0\.2\.0 \(minor, after v0\.1\.0\)\n/);
    expect(stdout).toContain(
      '  create v0.2.0 on the release commit (never moved)\n  move   v0 to it\n',
    );
    expect(stdout).toContain('  .github/workflows/kubemend.yml: 6 references to actions\n');
    expect(stdout).toContain(
      '  workflows-templates/alert-intake.yml: 1 reference to the reusable workflow\n',
    );
    expect(stdout).toContain('npm     kubemend@0.2.0 (dist-tag latest, with provenance)');
    expect(stdout).toContain('  - pinned releases');
    const json = JSON.parse((await script('release-plan.ts', dir, ['0.2.0', '--json'])).stdout);
    expect(json).toMatchObject({ version: '0.2.0', tag: 'v0.2.0', major: 'v0' });
    expect((await script('release-plan.ts', dir, ['0.1.0', '--notes'])).stdout).toBe('- first\n');
  });

  it.each([
    [['1.2'], 'version "1.2" is not a release version; allowed: MAJOR.MINOR.PATCH'],
    [['0.1.0'], 'the tag v0.1.0 already exists'],
    [['0.0.9'], 'is not greater than the newest release tag v0.1.0'],
    [[], 'give one version; usage: npm run release:plan -- <version>'],
    [['0.2.0', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 with one line for %j', async (args, message) => {
    const { code, stdout, stderr } = await script('release-plan.ts', dir, args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('npm run release:rewrite', () => {
  it('pins the shipped files in place, and refuses a commit that is none', async () => {
    const bad = await script('release-rewrite.ts', dir, ['--version', '0.2.0', '--sha', 'HEAD']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'release:rewrite: --sha "HEAD" is not a commit; allowed: 40 lowercase hex digits\n',
    );
    const ok = await script('release-rewrite.ts', dir, ['--version', '0.2.0', '--sha', SHA]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('.github/workflows/kubemend.yml');
    const pinned = readFileSync(join(dir, '.github/workflows/kubemend.yml'), 'utf8');
    expect(pinned).toContain(`uses: kubemend/kubemend/actions/intake@${SHA} # v0.2.0\n`);
    // No workflow commit given: the templates' calls of the reusable workflow wait for one.
    expect(readFileSync(join(dir, 'workflows-templates/alert-intake.yml'), 'utf8')).toContain(
      'uses: kubemend/kubemend/.github/workflows/kubemend.yml@v0\n',
    );
  });
});
