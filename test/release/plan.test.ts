// The release plan, decided from the repository alone: versions checked against semver
// and the existing tags, the tags created and moved, the files pinned, the package and
// image published, the notes from CHANGELOG.md; and the rewriter that pins the files,
// leaving every other byte as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';
import { changelogSections, releaseNotes } from '../../src/release/changelog.js';
import { formatPlan, planRelease, type ReleaseInputs } from '../../src/release/plan.js';
import { countReferences, rewriteReferences } from '../../src/release/rewrite.js';
import { compareVersions, parseVersion, requireVersion } from '../../src/release/semver.js';
import { shippedWorkflows } from '../../src/release/repository.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const WORKFLOW_SHA = 'fedcba9876543210fedcba9876543210fedcba98';

const changelog = (...versions: string[]) =>
  [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '- something not yet released',
    '',
    ...versions.flatMap((v) => [
      `## [${v}] - 2026-12-01`,
      '',
      `### Added`,
      '',
      `- what ${v} brings`,
      '',
    ]),
    `[${versions[0] ?? 'x'}]: https://github.com/kubemend/kubemend/releases/tag/v${versions[0]}`,
  ].join('\n');

const inputs = (
  version: string,
  tags: string[],
  more: Partial<ReleaseInputs> = {},
): ReleaseInputs => ({
  version,
  tags,
  packageJson: JSON.stringify({
    name: 'kubemend',
    version: version.replace(/^v/, ''),
    repository: { type: 'git', url: 'git+https://github.com/KubeMend/kubemend.git' },
  }),
  changelog: changelog(version.replace(/^v/, '')),
  workflows: shippedWorkflows(repoRoot),
  ...more,
});

describe('the release plan', () => {
  it('a first release: no tags before it, the tag and its major created, everything pinned', () => {
    const plan = planRelease(inputs('0.1.0', []));
    expect(plan).toMatchObject({
      kind: 'first',
      tag: 'v0.1.0',
      major: 'v0',
      npm: { name: 'kubemend', version: '0.1.0', distTag: 'latest' },
      // The owner lower-cased, as the registry wants; 0.x gets no major image tag.
      image: { name: 'ghcr.io/kubemend/kubemend-relay', tags: ['0.1.0', '0.1', 'latest'] },
      notes: '### Added\n\n- what 0.1.0 brings',
    });
    expect(plan.previous).toBeUndefined();
    expect(plan.files).toEqual(
      expect.arrayContaining([
        { path: '.github/workflows/kubemend.yml', actions: 6, workflows: 0 },
        { path: 'workflows-templates/alert-intake.yml', actions: 0, workflows: 1 },
        { path: 'workflows-templates/all-in-one.yml', actions: 1, workflows: 0 },
      ]),
    );
    // rehearse.yml references none of kubemend's actions: nothing to pin there.
    expect(plan.files.map((f) => f.path)).not.toContain('workflows-templates/rehearse.yml');
    expect(planRelease(inputs('1.0.0', [])).kind).toBe('first');
  });

  it('a minor after a patch line, ignoring moving tags and tags that are no version', () => {
    const plan = planRelease(
      inputs('1.3.0', ['v1', 'v1.2.0', 'v1.2.1', 'v1.10', 'vnext', 'v0.9.0']),
    );
    expect(plan).toMatchObject({ kind: 'minor', previous: 'v1.2.1', tag: 'v1.3.0', major: 'v1' });
    expect(plan.image.tags).toEqual(['1.3.0', '1.3', '1', 'latest']);
    expect(planRelease(inputs('1.2.2', ['v1.2.1'])).kind).toBe('patch');
  });

  it('a major moves the new major tag, v2, and leaves v1 where it is', () => {
    const plan = planRelease(inputs('2.0.0', ['v1', 'v1.4.2', 'v2.0.0-rc.2']));
    expect(plan).toMatchObject({ kind: 'major', previous: 'v2.0.0-rc.2', major: 'v2' });
    expect(formatPlan(plan)).toContain('  move   v2 to it\n');
  });

  it('a prerelease moves no major tag, is published as next and tagged only as itself', () => {
    const plan = planRelease(inputs('2.0.0-rc.1', ['v1.4.2', 'v1']));
    expect(plan.kind).toBe('prerelease');
    expect(plan.major).toBeUndefined();
    expect(plan.npm.distTag).toBe('next');
    expect(plan.image.tags).toEqual(['2.0.0-rc.1']);
    expect(formatPlan(plan)).toContain('no major tag moves (a prerelease)');
  });

  it.each([
    ['1.2', 'is not a release version'],
    ['v1.2.3-', 'is not a release version'],
    ['01.2.3', 'is not a release version'],
    ['1.02.3', 'is not a release version'],
    ['1.2.3-rc.01', 'is not a release version'],
    ['1.2.3+build.5', 'is not a release version'],
    ['1.2.3 ', 'is not a release version'],
    ['1.2.3\n', 'is not a release version'],
  ])('refuses %j, naming it and what is allowed', (version, message) => {
    expect(() => planRelease(inputs(version, []))).toThrow(message);
    expect(() => planRelease(inputs(version, []))).toThrow(/allowed: MAJOR\.MINOR\.PATCH/);
  });

  it('refuses a version not greater than the newest tag, and one equal to it', () => {
    expect(() => planRelease(inputs('1.2.0', ['v1.2.1']))).toThrow(
      'version 1.2.0 is not greater than the newest release tag v1.2.1',
    );
    expect(() => planRelease(inputs('1.2.1-rc.1', ['v1.2.1']))).toThrow('not greater');
    expect(() => planRelease(inputs('1.2.1', ['v1.2.1']))).toThrow('the tag v1.2.1 already exists');
  });

  it("refuses a version that is not package.json's, or that CHANGELOG.md has no dated section for", () => {
    expect(() =>
      planRelease(
        inputs('1.3.0', ['v1.2.0'], {
          packageJson: JSON.stringify({
            name: 'kubemend',
            version: '1.2.0',
            repository: 'github.com/kubemend/kubemend',
          }),
        }),
      ),
    ).toThrow(`package.json's version is "1.2.0", not 1.3.0`);
    expect(() => planRelease(inputs('1.3.0', [], { changelog: changelog('1.2.0') }))).toThrow(
      'CHANGELOG.md has no section for 1.3.0; add "## [1.3.0] - YYYY-MM-DD" under "## [Unreleased]"',
    );
    expect(() =>
      planRelease(inputs('1.3.0', [], { changelog: '## [Unreleased]\n\n## [1.3.0]\n\n- x\n' })),
    ).toThrow('has no date');
  });

  it('orders versions by semver precedence, prereleases included', () => {
    const order = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
    ];
    const shuffled = [...order].reverse().map((v) => requireVersion(v));
    expect(shuffled.sort(compareVersions).map((v) => v.text)).toEqual(order);
    expect(parseVersion('v1.2.3')?.text).toBe('1.2.3');
  });
});

describe('the release notes', () => {
  it("are the version's section of CHANGELOG.md, without the link references", () => {
    const text = changelog('1.1.0', '1.0.0');
    expect(changelogSections(text).map((s) => s.version)).toEqual(['Unreleased', '1.1.0', '1.0.0']);
    expect(releaseNotes(text, requireVersion('1.0.0'))).toBe('### Added\n\n- what 1.0.0 brings');
  });

  it("the repository's own CHANGELOG.md has a dated section for package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const own = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
    expect(changelogSections(own)[0]?.version).toBe('Unreleased');
    expect(releaseNotes(own, requireVersion(version))).toContain('### Added');
  });
});

describe('pinning references', () => {
  const version = requireVersion('1.2.3');
  const before = [
    '# uses: kubemend/kubemend/.github/workflows/kubemend.yml@v0 (a comment: untouched)',
    'jobs:',
    '  call:',
    '    uses: kubemend/kubemend/.github/workflows/kubemend.yml@v0',
    '  one:',
    '    steps:',
    '      - uses: actions/checkout@v5 # only to read the config',
    "      - uses: 'kubemend/kubemend/actions/intake@v0'",
    '        with: { uses: kubemend/kubemend@v0 }',
    '      - id: all\r',
    '        uses: kubemend/kubemend@v0   # the all-in-one action\r',
    `      - uses: kubemend/kubemend/actions/report@${'9'.repeat(40)} # v1.2.2`,
    '      - uses: kubemend/kubemend/actions/sweep@v0 # 2 jobs',
    '      - uses: kubemend/kubemend-fork/actions/report@v0',
    '      - uses: other/kubemend/actions/report@v0',
    '',
  ].join('\n');

  it("pins kubemend's actions and workflows to their commits with the version, every other byte kept", () => {
    const after = rewriteReferences(before, { version, actions: SHA, workflows: WORKFLOW_SHA });
    const [a, b] = [before.split('\n'), after.split('\n')];
    expect(b).toHaveLength(a.length);
    const changed = b
      .map((line, i) => (line === a[i] ? undefined : i))
      .filter((i) => i !== undefined);
    expect(changed).toEqual([3, 7, 10, 11, 12]);
    expect(b[3]).toBe(
      `    uses: kubemend/kubemend/.github/workflows/kubemend.yml@${WORKFLOW_SHA} # v1.2.3`,
    );
    expect(b[7]).toBe(`      - uses: 'kubemend/kubemend/actions/intake@${SHA}' # v1.2.3`);
    expect(b[10]).toBe(
      `        uses: kubemend/kubemend@${SHA}   # v1.2.3 (the all-in-one action)\r`,
    );
    // A file pinned for one release is pinned again for the next.
    expect(b[11]).toBe(`      - uses: kubemend/kubemend/actions/report@${SHA} # v1.2.3`);
    expect(rewriteReferences(after, { version, actions: SHA, workflows: WORKFLOW_SHA })).toBe(
      after,
    );
  });

  it('leaves workflow references as they are without a workflow commit, and counts by kind', () => {
    const after = rewriteReferences(before, { version, actions: SHA });
    expect(after.split('\n')[3]).toBe(before.split('\n')[3]);
    expect(countReferences(before)).toEqual({ action: 4, workflow: 1 });
  });

  it('refuses a commit that is not 40 lowercase hex digits', () => {
    for (const sha of ['abc123', SHA.toUpperCase(), `${SHA}0`, 'v1.2.3'])
      expect(() => rewriteReferences(before, { version, actions: sha })).toThrow(
        'is not a commit; allowed: 40 lowercase hex digits',
      );
    expect(() => rewriteReferences(before, { version, actions: SHA, workflows: 'main' })).toThrow(
      'workflows sha "main" is not a commit',
    );
  });
});
