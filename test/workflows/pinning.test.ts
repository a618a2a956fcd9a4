import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { findFiles, lintActionPinning } from '../../scripts/lint-workflows.js';
import { repoRoot } from '../../src/rehearse/action.js';

const SHA = 'fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09';

/** A workflow with one job `build` whose steps use `uses` (each a line after `uses: `). */
function workflow(...uses: string[]): string {
  return [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...uses.map((u) => `      - uses: ${u}`),
    '',
  ].join('\n');
}

const messages = (text: string): string[] =>
  lintActionPinning('.github/workflows/t.yml', text).map((f) => `${f.file}:${f.line} ${f.message}`);

describe('third-party actions are pinned by commit in every shipped workflow and template', () => {
  const { workflows } = findFiles(repoRoot);

  it('finds the shipped workflows and templates by globbing their folders', () => {
    const names = workflows.map((path) => relative(repoRoot, path));
    expect(names).toEqual(
      expect.arrayContaining([
        '.github/workflows/kubemend.yml',
        '.github/workflows/ci.yml',
        'workflows-templates/rehearse.yml',
      ]),
    );
  });

  it.each(workflows.map((path) => [relative(repoRoot, path), path]))(
    '%s references third-party actions by commit SHA with the release in a comment',
    (name, path) => {
      expect(lintActionPinning(name, readFileSync(path, 'utf8'))).toEqual([]);
    },
  );
});

describe('the pinning check', () => {
  it('catches a moving tag, naming the file, line, job and reference', () => {
    expect(messages(workflow('actions/checkout@v5'))).toEqual([
      '.github/workflows/t.yml:6 job "build": actions/checkout@v5 is a moving reference (a tag or branch can be moved to other code); pin it by commit: <owner>/<repo>@<40-hex commit sha> # v1.2.3',
    ]);
  });

  it('catches a branch, a short SHA and a reference with no version at all', () => {
    expect(
      messages(workflow('actions/checkout@main', 'actions/checkout@fbc6f39', 'actions/checkout')),
    ).toEqual([
      expect.stringContaining('actions/checkout@main is a moving reference'),
      expect.stringContaining('actions/checkout@fbc6f39 is a moving reference'),
      expect.stringContaining('actions/checkout names no version'),
    ]);
  });

  it('catches a SHA pin whose comment does not end with the release it pins', () => {
    expect(
      messages(
        workflow(
          `actions/checkout@${SHA}`,
          `actions/checkout@${SHA} # the checkout`,
          `actions/checkout@${SHA} # v5.1.0, only to read the config`,
        ),
      ),
    ).toEqual([
      `.github/workflows/t.yml:6 job "build": actions/checkout@${SHA} is pinned but its trailing comment does not end with the release it pins (# v1.2.3)`,
      expect.stringMatching(/^\.github\/workflows\/t\.yml:7 .*does not end with the release/),
      expect.stringMatching(/^\.github\/workflows\/t\.yml:8 .*does not end with the release/),
    ]);
  });

  it('catches a third-party reusable workflow called by tag from a job', () => {
    const text = [
      'on: push',
      'jobs:',
      '  shared:',
      '    uses: someone/workflows/.github/workflows/build.yml@v2',
      '',
    ].join('\n');
    expect(messages(text)).toEqual([
      '.github/workflows/t.yml:4 job "shared": someone/workflows/.github/workflows/build.yml@v2 is a moving reference (a tag or branch can be moved to other code); pin it by commit: <owner>/<repo>@<40-hex commit sha> # v1.2.3',
    ]);
  });

  it('catches a container action by tag and accepts one by digest', () => {
    const digest = `docker://alpine@sha256:${'a'.repeat(64)}`;
    expect(messages(workflow('docker://alpine:3.20', digest))).toEqual([
      '.github/workflows/t.yml:6 job "build": docker://alpine:3.20 is a moving image tag; pin it by digest (docker://<image>@sha256:<digest>)',
    ]);
  });

  it("accepts a SHA pin with its release, kubemend's own references and local actions", () => {
    expect(
      messages(
        workflow(
          `actions/checkout@${SHA} # v5.1.0`,
          `'actions/checkout@${SHA}'   # only to read the config; v5.1.0`,
          'kubemend/kubemend/actions/intake@v1',
          'kubemend/kubemend@v1.2.3',
          './actions/intake',
        ),
      ),
    ).toEqual([]);
  });
});
