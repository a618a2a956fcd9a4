// Which workflows an event starts: GitHub's rules for `on:`, activity types, branch,
// tag and path filters, schedules and dispatches, on the templates users copy and on
// small workflows written for one rule each.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';
import { cronDue } from '../../src/shared/cron.js';
import { matchesList, matchesPattern } from '../../src/rehearse/filter-pattern.js';
import type { Rehearsal } from '../../src/rehearse/file.js';
import { initialFiles } from '../../src/rehearse/repository.js';
import {
  listensTo,
  scheduledWorkflows,
  workflowsListening,
  type RehearsalEvent,
} from '../../src/rehearse/triggers.js';
import { loadWorkflow } from '../../src/rehearse/workflow.js';

const JOBS = 'jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n';

/** A repository whose .github/workflows holds the given workflows (name → `on:` YAML). */
function repository(workflows: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-triggers-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  for (const [name, on] of Object.entries(workflows))
    writeFileSync(join(dir, '.github/workflows', name), `on:${on}\n${JOBS}`);
  return dir;
}

/** One workflow file with the given `on:` section. */
const workflow = (on: string): string => {
  const dir = repository({ 'w.yml': on });
  return join(dir, '.github/workflows/w.yml');
};

const push = (ref: string, files?: string[]): RehearsalEvent => ({
  name: 'push',
  payload: { ref, ...(files ? { commits: [{ added: [], modified: files, removed: [] }] } : {}) },
});
const pullRequest = (action: string, base = 'main', files?: string[]): RehearsalEvent => ({
  name: 'pull_request',
  payload: { action, pull_request: { base: { ref: base } } },
  ...(files ? { files } : {}),
});

describe('the events a workflow listens to', () => {
  it('reads `on:` written as a string, a list or a map', () => {
    const event = push('refs/heads/main');
    expect(listensTo(workflow(' push'), event)).toBe(true);
    expect(listensTo(workflow(' [pull_request, push]'), event)).toBe(true);
    expect(listensTo(workflow('\n  push:'), event)).toBe(true);
    expect(listensTo(workflow(' [pull_request, issues]'), event)).toBe(false);
  });

  it('accepts the converted template as well as the file', async () => {
    const template = await loadWorkflow(workflow('\n  issues:\n    types: [labeled]'));
    expect(listensTo(template, { name: 'issues', payload: { action: 'labeled' } })).toBe(true);
    expect(listensTo(template, { name: 'issues', payload: { action: 'opened' } })).toBe(false);
  });

  it("matches repository_dispatch types against the event's type", () => {
    const file = workflow('\n  repository_dispatch:\n    types: [kubemend-alert]');
    const dispatch = (type: string): RehearsalEvent => ({
      name: 'repository_dispatch',
      payload: { action: type, client_payload: {} },
    });
    expect(listensTo(file, dispatch('kubemend-alert'))).toBe(true);
    expect(listensTo(file, dispatch('deploy'))).toBe(false);
    // The event's own action names the type when the payload does not.
    expect(
      listensTo(file, { name: 'repository_dispatch', action: 'kubemend-alert', payload: {} }),
    ).toBe(true);
    // Without types, every dispatch, Flux's `<Kind>/<name>.<namespace>` too.
    const all = workflow('\n  repository_dispatch:');
    expect(listensTo(all, dispatch('deploy'))).toBe(true);
    expect(listensTo(all, dispatch('HelmRelease/podinfo.podinfo'))).toBe(true);
  });

  it('takes every activity type of issues and issue_comment when none is named, the named ones otherwise', () => {
    const all = workflow(' [issues, issue_comment]');
    expect(listensTo(all, { name: 'issues', payload: { action: 'closed' } })).toBe(true);
    expect(listensTo(all, { name: 'issue_comment', payload: { action: 'edited' } })).toBe(true);
    const created = workflow('\n  issue_comment:\n    types: created');
    expect(listensTo(created, { name: 'issue_comment', payload: { action: 'created' } })).toBe(
      true,
    );
    expect(listensTo(created, { name: 'issue_comment', payload: { action: 'deleted' } })).toBe(
      false,
    );
  });

  it("runs pull_request for GitHub's default types only when the workflow names none", () => {
    const file = workflow(' pull_request');
    for (const action of ['opened', 'synchronize', 'reopened'])
      expect(listensTo(file, pullRequest(action))).toBe(true);
    expect(listensTo(file, pullRequest('closed'))).toBe(false);
    expect(listensTo(file, pullRequest('labeled'))).toBe(false);
    const closed = workflow('\n  pull_request:\n    types: [closed]');
    expect(listensTo(closed, pullRequest('closed'))).toBe(true);
    expect(listensTo(closed, pullRequest('opened'))).toBe(false);
  });

  it('filters pull requests by their base branch', () => {
    const file = workflow("\n  pull_request:\n    branches: [main, 'releases/**']");
    expect(listensTo(file, pullRequest('opened', 'main'))).toBe(true);
    expect(listensTo(file, pullRequest('opened', 'releases/v1/hotfix'))).toBe(true);
    expect(listensTo(file, pullRequest('opened', 'feature'))).toBe(false);
  });

  it('filters pushes by branch, branches-ignore, tags and paths', () => {
    const branches = workflow("\n  push:\n    branches: ['release/*', '!release/old']");
    expect(listensTo(branches, push('refs/heads/release/v2'))).toBe(true);
    expect(listensTo(branches, push('refs/heads/release/old'))).toBe(false);
    // `*` does not cross a slash.
    expect(listensTo(branches, push('refs/heads/release/v2/fix'))).toBe(false);
    // Only branch filters: a tag push does not start it.
    expect(listensTo(branches, push('refs/tags/v1'))).toBe(false);

    const ignore = workflow("\n  push:\n    branches-ignore: ['dependabot/**']");
    expect(listensTo(ignore, push('refs/heads/main'))).toBe(true);
    expect(listensTo(ignore, push('refs/heads/dependabot/npm/x'))).toBe(false);

    const tags = workflow("\n  push:\n    tags: ['v*']");
    expect(listensTo(tags, push('refs/tags/v1.2'))).toBe(true);
    expect(listensTo(tags, push('refs/heads/main'))).toBe(false);

    const paths = workflow("\n  push:\n    paths: ['deploy/**', '!deploy/README.md']");
    expect(listensTo(paths, push('refs/heads/main', ['deploy/shop/app.yaml']))).toBe(true);
    expect(listensTo(paths, push('refs/heads/main', ['deploy/README.md']))).toBe(false);
    expect(listensTo(paths, push('refs/heads/main', ['src/a.ts']))).toBe(false);

    const pathsIgnore = workflow("\n  push:\n    paths-ignore: ['**.md']");
    expect(listensTo(pathsIgnore, push('refs/heads/main', ['docs/a.md']))).toBe(false);
    expect(listensTo(pathsIgnore, push('refs/heads/main', ['docs/a.md', 'src/a.ts']))).toBe(true);
  });

  it('refuses branches and branches-ignore on one event, as GitHub does', () => {
    const file = workflow('\n  push:\n    branches: [main]\n    branches-ignore: [dev]');
    expect(() => listensTo(file, push('refs/heads/main'))).toThrow(
      'branches and branches-ignore: use one of them for an event, not both',
    );
  });

  it('starts workflow_dispatch and schedule workflows, never for workflow_call', () => {
    const file = workflow("\n  workflow_dispatch:\n  schedule:\n    - cron: '*/5 * * * *'");
    expect(listensTo(file, { name: 'workflow_dispatch', payload: { inputs: {} } })).toBe(true);
    expect(listensTo(file, { name: 'schedule', payload: {} })).toBe(true);
    // A schedule event naming its cron starts only the workflows with that cron.
    expect(listensTo(file, { name: 'schedule', payload: { schedule: '0 * * * *' } })).toBe(false);
    expect(listensTo(file, { name: 'schedule', payload: { schedule: '*/5 * * * *' } })).toBe(true);
    const called = workflow('\n  workflow_call:');
    expect(listensTo(called, { name: 'workflow_call', payload: {} })).toBe(false);
    expect(listensTo(called, { name: 'workflow_dispatch', payload: {} })).toBe(false);
  });

  it("finds the user's copied templates an event starts, and only those", () => {
    const dir = repository({ 'ci.yaml': ' [push]' });
    for (const template of ['alert-intake.yml', 'cluster-doctor.yml'])
      copyFileSync(
        join(repoRoot, 'workflows-templates', template),
        join(dir, '.github/workflows', template),
      );
    writeFileSync(join(dir, '.github/workflows/notes.txt'), 'not a workflow');
    const names = (event: RehearsalEvent) => workflowsListening(dir, event).map((f) => basename(f));

    expect(
      names({
        name: 'repository_dispatch',
        payload: { action: 'kubemend-retry', client_payload: {} },
      }),
    ).toEqual(['alert-intake.yml']);
    // It lists no dispatch types (Flux's name the object): every type starts it, and its
    // job's `if:` skips what is not kubemend's (test/pipeline/flux.test.ts).
    for (const type of ['HelmRelease/podinfo.podinfo', 'deploy-preview'])
      expect(
        names({ name: 'repository_dispatch', payload: { action: type, client_payload: {} } }),
      ).toEqual(['alert-intake.yml']);
    // The doctor's job `if:` skips other labels, but the workflow still starts.
    expect(
      names({ name: 'issues', payload: { action: 'labeled', label: { name: 'bug' } } }),
    ).toEqual(['cluster-doctor.yml']);
    expect(names({ name: 'issues', payload: { action: 'opened' } })).toEqual([]);
    expect(names({ name: 'issue_comment', payload: { action: 'created' } })).toEqual([
      'cluster-doctor.yml',
    ]);
    expect(names({ name: 'workflow_dispatch', payload: { inputs: {} } })).toEqual([
      'cluster-doctor.yml',
    ]);
    expect(names(push('refs/heads/main'))).toEqual(['ci.yaml']);
  });

  it('starts only the workflow a schedule event names, though another has the same cron', () => {
    const cron = "\n  schedule:\n    - cron: '*/10 * * * *'";
    const dir = repository({ 'a.yml': cron, 'b.yml': cron, 'c.yml': ' [push]' });
    const names = (payload: RehearsalEvent['payload']) =>
      workflowsListening(dir, { name: 'schedule', payload }).map((f) => basename(f));
    expect(names({ schedule: '*/10 * * * *', workflow: '.github/workflows/b.yml' })).toEqual([
      'b.yml',
    ]);
    expect(names({ schedule: '*/10 * * * *' })).toEqual(['a.yml', 'b.yml']);
  });

  it("lists each workflow's first schedule, as GitHub's scheduler fires them", () => {
    const dir = repository({
      'hourly.yml': "\n  schedule:\n    - cron: '0 * * * *'\n    - cron: '30 * * * *'",
      'manual.yml': '\n  workflow_dispatch:',
    });
    expect(scheduledWorkflows(dir)).toEqual([
      { path: '.github/workflows/hourly.yml', cron: '0 * * * *' },
    ]);
  });

  it.each(['reusable', 'all-in-one'])(
    'a %s story installs the sweep template, which a schedule event starts: the reusable workflow, sweeping',
    async (workflow) => {
      const files = initialFiles(
        { workflow, incidentMode: 'pr', gitops: undefined, config: undefined } as Rehearsal,
        join(repoRoot, 'workflows-templates'),
      );
      const dir = repository({});
      for (const [path, text] of files) writeFileSync(join(dir, path), text);
      const [due, ...others] = scheduledWorkflows(dir);
      expect(others).toEqual([]);
      expect(due).toEqual({ path: '.github/workflows/kubemend-sweep.yml', cron: '*/10 * * * *' });
      const started = workflowsListening(dir, {
        name: 'schedule',
        payload: { schedule: due!.cron, workflow: due!.path },
      });
      expect(started.map((f) => basename(f))).toEqual(['kubemend-sweep.yml']);
      const template = await loadWorkflow(started[0]!);
      const calls = template.jobs.flatMap((job) => ('ref' in job ? [job.ref.value] : []));
      expect(calls).toEqual(['kubemend/kubemend/.github/workflows/kubemend.yml@v0']);
    },
  );
});

describe("GitHub's filter patterns", () => {
  it('treats * as anything but a slash, ** as anything, and **/ as any folder or none', () => {
    expect(matchesPattern('feature/*', 'feature/a')).toBe(true);
    expect(matchesPattern('feature/*', 'feature/a/b')).toBe(false);
    expect(matchesPattern('feature/**', 'feature/a/b')).toBe(true);
    expect(matchesPattern('**/README.md', 'README.md')).toBe(true);
    expect(matchesPattern('**/README.md', 'docs/x/README.md')).toBe(true);
    expect(matchesPattern('*.js', 'src/a.js')).toBe(false);
    expect(matchesPattern('**.js', 'src/a.js')).toBe(true);
  });

  it('reads ?, +, character sets and escapes as the cheat sheet says, and dots literally', () => {
    expect(matchesPattern('v2?', 'v')).toBe(true);
    expect(matchesPattern('v2?', 'v22')).toBe(false);
    expect(matchesPattern('v2+', 'v222')).toBe(true);
    expect(matchesPattern('v2+', 'v')).toBe(false);
    expect(matchesPattern('[0-9]-x', '7-x')).toBe(true);
    expect(matchesPattern('[0-9]-x', 'a-x')).toBe(false);
    expect(matchesPattern('a.b', 'aXb')).toBe(false);
    expect(matchesPattern('a\\*b', 'a*b')).toBe(true);
    expect(matchesPattern('a\\*b', 'aXb')).toBe(false);
  });

  it('lets the last matching pattern of a list decide, ! excluding', () => {
    expect(matchesList(['a/**', '!a/b/*', 'a/b/keep'], 'a/b/keep')).toBe(true);
    expect(matchesList(['a/**', '!a/b/*', 'a/b/keep'], 'a/b/drop')).toBe(false);
    expect(matchesList(['a/**', '!a/b/*', 'a/b/keep'], 'a/c')).toBe(true);
  });
});

describe('when a schedule is due', () => {
  const at = (iso: string) => new Date(iso);

  it('lists the minutes a cron fires between two times, in UTC', () => {
    expect(
      cronDue('*/15 * * * *', at('2026-01-01T00:00:00Z'), at('2026-01-01T01:00:00Z')).map((d) =>
        d.toISOString(),
      ),
    ).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
  });

  it('fires on either restricted day field, and on named weekdays', () => {
    // 2026-01-01 is a Thursday; 2026-01-05 a Monday.
    const due = cronDue('0 9 1 * MON', at('2026-01-01T00:00:00Z'), at('2026-01-08T00:00:00Z'));
    expect(due.map((d) => d.toISOString())).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
    ]);
  });

  it('refuses a cron without five fields or with a value out of range', () => {
    expect(() =>
      cronDue('* * * *', at('2026-01-01T00:00:00Z'), at('2026-01-01T00:01:00Z')),
    ).toThrow('needs 5 fields');
    expect(() =>
      cronDue('61 * * * *', at('2026-01-01T00:00:00Z'), at('2026-01-01T00:01:00Z')),
    ).toThrow('minute 61 is not allowed (0-59)');
  });
});
