// The release workflow's safety rules, read from the file: no permission at the top and
// the least per job, the version reaching scripts only through env (never `${{ }}` in a
// `run:`), releases from main only, the major tag moved last and never for a
// prerelease, and the relay image built by relay-image.yml called with the version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { repoRoot } from '../../src/rehearse/action.js';

interface Job {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  uses?: string;
  with?: Record<string, string>;
  steps?: { run?: string; uses?: string; with?: Record<string, string> }[];
}
interface Workflow {
  on: Record<string, { inputs?: Record<string, { required?: boolean }> } | null>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (name: string) =>
  load(readFileSync(join(repoRoot, '.github/workflows', name), 'utf8')) as Workflow;
const release = read('release.yml');

describe('the release workflow', () => {
  it('grants nothing at the top and each job only what it writes', () => {
    expect(release.permissions).toEqual({});
    const writes = Object.fromEntries(
      Object.entries(release.jobs).map(([id, job]) => [
        id,
        Object.entries(job.permissions ?? {})
          .filter(([, level]) => level === 'write')
          .map(([scope]) => scope)
          .sort(),
      ]),
    );
    expect(writes).toEqual({
      check: [],
      tag: [],
      'github-release': ['contents'],
      npm: ['id-token'],
      image: ['id-token', 'packages'],
      major: [],
    });
  });

  it('passes the version to scripts through env only, never as an expression in run:', () => {
    const runs = Object.values(release.jobs).flatMap((job) =>
      (job.steps ?? []).flatMap((step) => (step.run ? [step.run] : [])),
    );
    expect(runs.length).toBeGreaterThan(4);
    for (const run of runs) expect(run).not.toContain('${{');
  });

  it('releases from main, moves the major tag last and only when the plan names one', () => {
    expect(release.on).toHaveProperty('workflow_dispatch.inputs.version.required', true);
    expect(release.jobs.check!.if).toBe("github.ref == 'refs/heads/main'");
    const { major } = release.jobs;
    expect(major!.needs).toEqual(['check', 'tag', 'github-release', 'npm', 'image']);
    expect(major!.if).toBe("needs.check.outputs.major != ''");
  });

  it('builds the relay image with relay-image.yml, which takes the version when called', () => {
    expect(release.jobs.image).toMatchObject({
      uses: './.github/workflows/relay-image.yml',
      with: { version: '${{ needs.check.outputs.version }}' },
    });
    const image = read('relay-image.yml');
    expect(image.on.workflow_call?.inputs?.version?.required).toBe(true);
    // Called, not started by a tag push too: one build per release.
    expect(Object.keys(image.on).sort()).toEqual(['workflow_call', 'workflow_dispatch']);
  });
});
