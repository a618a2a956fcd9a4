import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { lintActionMetadata, lintRepository } from '../scripts/lint-workflows.js';
import { repoRoot } from '../src/rehearse/action.js';
import { expression } from '../src/rehearse/workflow.js';

function scratchRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kubemend-lint-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const goodAction = dump({
  name: 'a',
  description: 'd',
  branding: { icon: 'life-buoy', color: 'orange' },
  inputs: { 'known-input': { description: 'Required.', required: true } },
  runs: { using: 'node24', main: 'index.js' },
});

describe('workflow and action linting', () => {
  it('finds nothing in the repository', async () => {
    expect(await lintRepository(repoRoot)).toEqual([]);
  });

  it('catches a broken workflow: a missing steps section and an injectable expression', async () => {
    const root = scratchRepo({
      '.github/workflows/broken.yml': [
        'on: issues',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    step: []',
        '  b:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo "${{ github.event.issue.title }}"',
        '',
      ].join('\n'),
    });
    const messages = (await lintRepository(root)).map((f) => `${f.file}:${f.line} ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\.github\/workflows\/broken\.yml:3 "steps" section is missing in job "a"/,
        ),
        expect.stringMatching(
          /^\.github\/workflows\/broken\.yml:9 "github\.event\.issue\.title" is potentially untrusted/,
        ),
      ]),
    );
  });

  it('catches an unknown or missing input of a local action', async () => {
    const root = scratchRepo({
      'actions/a/action.yml': goodAction,
      'actions/a/index.js': '',
      'workflows-templates/t.yml': [
        'on: push',
        'permissions: {}',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: ./actions/a',
        '        with:',
        '          typo-input: x',
        '',
      ].join('\n'),
    });
    const messages = (await lintRepository(root)).map((f) => f.message);
    expect(messages).toEqual([
      'input "typo-input" is not defined in ./actions/a; defined inputs: known-input',
      'missing required input "known-input" of ./actions/a',
    ]);
  });

  it('holds action metadata to node24, documented inputs and an existing main', () => {
    const root = scratchRepo({});
    const text = dump({
      name: 'a',
      description: 'd',
      branding: { icon: 'tool', color: 'pink' },
      inputs: {
        mode: { description: 'The mode.' },
        token: { required: true, description: 'A token.' },
      },
      outputs: { result: {} },
      runs: { using: 'node20', main: 'missing.js' },
      extra: 1,
    });
    expect(lintActionMetadata(join(root, 'action.yml'), text).map((f) => f.message)).toEqual([
      'unexpected key "extra"',
      `"branding.icon" "tool" is not a Feather icon GitHub supports (the list under branding.icon in GitHub's metadata syntax)`,
      '"branding.color" must be one of white, black, yellow, blue, green, orange, red, purple, gray-dark',
      '"runs.using" is "node20"; kubemend actions use node24',
      '"runs.main" missing.js does not exist',
      'input "mode" is optional but has no "default"',
      'input "mode" does not document its default ("Default: ...")',
      'input "token" is required but its description does not say "Required."',
      'output "result" has no description',
    ]);
  });

  it('holds only the root action to the Marketplace: a description under 125 characters', () => {
    const root = scratchRepo({ 'index.js': '' });
    const long = dump({ ...(load(goodAction) as object), description: 'x'.repeat(125) });
    const path = join(root, 'action.yml');
    expect(lintActionMetadata(path, long, { marketplace: true }).map((f) => f.message)).toEqual([
      '"description" is 125 characters; the Marketplace takes at most 124',
    ]);
    expect(lintActionMetadata(path, long)).toEqual([]);
    const fits = dump({ ...(load(goodAction) as object), description: 'x'.repeat(124) });
    expect(lintActionMetadata(path, fits, { marketplace: true })).toEqual([]);
  });
});

describe('workflow templates', () => {
  it('each come with a .properties.json naming, describing and categorising them, as GitHub lists templates', () => {
    const dir = join(repoRoot, 'workflows-templates');
    const templates = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      const properties = JSON.parse(
        readFileSync(join(dir, template.replace(/\.yml$/, '.properties.json')), 'utf8'),
      ) as { name?: unknown; description?: unknown; categories?: unknown };
      expect(properties).toMatchObject({
        name: expect.any(String),
        description: expect.any(String),
        categories: expect.arrayContaining([expect.any(String)]),
      });
    }
  });

  it('the alert template calls the reusable workflow with the secrets it requires', () => {
    const template = load(
      readFileSync(join(repoRoot, 'workflows-templates/alert-intake.yml'), 'utf8'),
    ) as {
      jobs: Record<string, { uses: string; secrets: Record<string, string> }>;
    };
    const workflow = load(
      readFileSync(join(repoRoot, '.github/workflows/kubemend.yml'), 'utf8'),
    ) as {
      on: { workflow_call: { secrets: Record<string, { required?: boolean }> } };
    };
    const job = Object.values(template.jobs)[0]!;
    expect(job.uses).toBe('kubemend/kubemend/.github/workflows/kubemend.yml@v0');
    for (const [name, spec] of Object.entries(workflow.on.workflow_call.secrets))
      if (spec.required) expect(Object.keys(job.secrets)).toContain(name);
  });

  it('the cluster-doctor template runs on its label, on /kubemend comments from people, and by hand', () => {
    const template = load(
      readFileSync(join(repoRoot, 'workflows-templates/cluster-doctor.yml'), 'utf8'),
    ) as { jobs: Record<string, { if: string; steps: { uses?: string }[] }> };
    const job = template.jobs.doctor!;
    expect(job.steps.map((s) => s.uses)).toContain('kubemend/kubemend/actions/diagnose@v0');
    const runs = (event_name: string, event: object) =>
      expression(job.if, { github: { event_name, event } });
    expect(runs('issues', { label: { name: 'cluster-doctor' } })).toBe(true);
    expect(runs('issues', { label: { name: 'bug' } })).toBe(false);
    const comment = (body: string, type = 'User') => ({ comment: { body, user: { type } } });
    expect(runs('issue_comment', comment('/kubemend approve image-pull'))).toBe(true);
    expect(runs('issue_comment', comment('thanks, looks good'))).toBe(false);
    // kubemend's own replies quote commands: a bot never starts a run.
    expect(runs('issue_comment', comment('/kubemend diagnose', 'Bot'))).toBe(false);
    expect(runs('workflow_dispatch', {})).toBe(true);
  });

  it('the sweep template calls the reusable workflow to sweep every 10 minutes and by hand, one run at a time', () => {
    const template = load(
      readFileSync(join(repoRoot, 'workflows-templates/sweep.yml'), 'utf8'),
    ) as {
      on: { schedule: { cron: string }[]; workflow_dispatch: unknown };
      permissions: Record<string, string>;
      concurrency: { group: string; 'cancel-in-progress': boolean };
      jobs: Record<
        string,
        {
          uses: string;
          permissions: Record<string, string>;
          with: Record<string, unknown>;
          secrets: Record<string, string>;
        }
      >;
    };
    expect(template.on.schedule).toEqual([{ cron: '*/10 * * * *' }]);
    expect('workflow_dispatch' in template.on).toBe(true);
    expect(template.permissions).toEqual({});
    // A waiting sweep may be replaced; a running one is never cancelled halfway.
    expect(template.concurrency).toEqual({ group: 'kubemend-sweep', 'cancel-in-progress': false });
    const [job, ...others] = Object.values(template.jobs);
    expect(others).toEqual([]);
    // Through the reusable workflow: what the scan finds goes on to triage, remediation, report.
    expect(job!.uses).toBe('kubemend/kubemend/.github/workflows/kubemend.yml@v0');
    expect(job!.with).toEqual({ sweep: true });
    expect(job!.permissions).toEqual({
      contents: 'write',
      'pull-requests': 'write',
      issues: 'write',
    });
    expect(job!.secrets).toEqual({
      kubeconfig: '${{ secrets.KUBECONFIG }}',
      token: '${{ secrets.KUBEMEND_TOKEN }}',
    });
  });

  it("the reusable workflow's triage takes the alerts of intake or of the sweep jobs' scan files, and remediation follows", () => {
    const workflow = load(
      readFileSync(join(repoRoot, '.github/workflows/kubemend.yml'), 'utf8'),
    ) as {
      jobs: Record<
        string,
        {
          if: string;
          needs: string[];
          steps: { uses?: string; if?: string; with?: Record<string, string> }[];
        }
      >;
    };
    const { triage, remediate } = workflow.jobs;
    expect(triage!.needs).toEqual(['intake', 'sweep']);
    const needs = (intake: string, fed: string) => ({
      needs: { intake: { outputs: { alerts: intake } }, sweep: { outputs: { fed } } },
    });
    // One of the two ran; the other is skipped by design, which must not skip triage.
    expect(expression(triage!.if, needs('', 'true'), ['skipped', 'success'])).toBe(true);
    expect(expression(triage!.if, needs('[{"title":"x"}]', ''), ['success', 'skipped'])).toBe(true);
    expect(expression(triage!.if, needs('', ''), ['skipped', 'success'])).toBe(false);
    const inputs = triage!.steps.find((s) => s.with?.alerts)?.with;
    expect(inputs?.alerts).toBe('${{ needs.intake.outputs.alerts }}');
    expect(inputs?.incidents).toBe('${{ needs.intake.outputs.incidents }}');
    // The sweep jobs' scans arrive as artifacts, read from the folder they are downloaded to.
    const download = triage!.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toEqual({ pattern: 'kubemend-scan-*', path: 'kubemend-scan' });
    expect(expression(inputs!['from-dir']!.slice(3, -2), needs('', 'true'))).toBe('kubemend-scan');
    expect(expression(inputs!['from-dir']!.slice(3, -2), needs('[]', ''))).toBe('');
    expect(remediate!.if).toContain('!cancelled()');
  });

  it('the reusable workflow sweeps each cluster in a job of its own, with its own concurrency group and kubeconfig', () => {
    const workflow = load(
      readFileSync(join(repoRoot, '.github/workflows/kubemend.yml'), 'utf8'),
    ) as { jobs: Record<string, Record<string, unknown>> };
    const { sweep, remediate } = workflow.jobs;
    expect(sweep!.needs).toBe('clusters');
    expect(sweep!.strategy).toEqual({
      'fail-fast': false,
      matrix: { include: '${{ fromJSON(needs.clusters.outputs.clusters) }}' },
    });
    // One group for the matrix would let GitHub cancel its waiting jobs.
    expect(sweep!.concurrency).toEqual({
      group: 'kubemend-sweep-job-${{ matrix.cluster }}',
      'cancel-in-progress': false,
    });
    const kubeconfigs = [sweep, remediate].map(
      (job) =>
        (job!.steps as { with?: Record<string, string> }[]).find((s) => s.with?.kubeconfig)?.with
          ?.kubeconfig,
    );
    expect(kubeconfigs).toEqual([
      '${{ secrets[matrix.kubeconfig-secret] || secrets.kubeconfig }}',
      '${{ secrets[matrix.kubeconfig-secret] || secrets.kubeconfig }}',
    ]);
  });

  it('the reusable workflow sweeps on a schedule or when asked, and then skips the alert pipeline', () => {
    const workflow = load(
      readFileSync(join(repoRoot, '.github/workflows/kubemend.yml'), 'utf8'),
    ) as { jobs: Record<string, { if: string; steps: { uses?: string }[] }> };
    const { intake, clusters, sweep } = workflow.jobs;
    expect(sweep!.steps.map((s) => s.uses)).toContain('kubemend/kubemend/actions/sweep@v0');
    // The sweep jobs follow the list of clusters, which runs when a sweep is due.
    const sweepJob = { if: clusters!.if };
    const runs = (job: { if: string }, event_name: string, asked: boolean) =>
      expression(job.if, { github: { event_name }, inputs: { sweep: asked } });
    for (const [event, asked, sweeps] of [
      ['schedule', false, true],
      ['workflow_dispatch', true, true],
      ['workflow_dispatch', false, false],
      ['repository_dispatch', false, false],
    ] as const) {
      expect([event, asked, runs(sweepJob, event, asked)]).toEqual([event, asked, sweeps]);
      expect([event, asked, runs(intake!, event, asked)]).toEqual([event, asked, !sweeps]);
    }
  });
});
