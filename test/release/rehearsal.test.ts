// A release's pinned files still play: the alert-intake template pinned to the reusable
// workflow's release commit, and the reusable workflow pinned to the actions' commit, as
// the release workflow rewrites them, run over the emulators the way
// test/pipeline/alert-intake.test.ts runs the unpinned ones, and end the same way. The
// rehearsal reads kubemend's own workflow from the pinned copy (`kubemendRoot`) and runs
// kubemend's bundled actions for the `@<sha>` references as it does for `@v0`.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';
import { jobLines, runWorkflow, type JobRecord } from '../../src/rehearse/workflow.js';
import { REUSABLE_WORKFLOW } from '../../src/release/plan.js';
import { countReferences, rewriteReferences } from '../../src/release/rewrite.js';
import { requireVersion } from '../../src/release/semver.js';
import { events } from '../../src/sim/github/events.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { ALERT, ALERT_INTAKE_JOBS, callerRepository, startEmulators } from '../pipeline/support.js';

const CUT = 'a'.repeat(40); // the commit the release is cut from: its actions
const FIRST = 'b'.repeat(40); // the release's first commit: its pinned reusable workflow
const version = requireVersion('1.4.0');

let gh: GitHubEmulator;
let kube: KubeEmulator;
beforeEach(async () => {
  ({ gh, kube } = await startEmulators());
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

/** Every step of the callee's jobs that used one of kubemend's actions. */
const kubemendSteps = (job: JobRecord) =>
  Object.values(job.jobs ?? {})
    .flatMap((inner) => inner.runs.flatMap((run) => run.steps))
    .filter((step) => step.uses.startsWith('kubemend/kubemend/'));

describe('a release with its references pinned', () => {
  it('plays the alert-intake template through the pinned reusable workflow as the unpinned one does', async () => {
    const original = readFileSync(join(repoRoot, REUSABLE_WORKFLOW), 'utf8');
    const pinnedWorkflow = rewriteReferences(original, { version, actions: CUT });
    const template = readFileSync(join(repoRoot, 'workflows-templates/alert-intake.yml'), 'utf8');
    const pinnedTemplate = rewriteReferences(template, { version, actions: CUT, workflows: FIRST });
    // Nothing of kubemend's is left on a moving ref.
    expect(pinnedWorkflow).not.toMatch(/kubemend\/kubemend\/actions\/[a-z-]+@v0/);
    expect(pinnedTemplate).toContain(
      `uses: kubemend/kubemend/.github/workflows/kubemend.yml@${FIRST} # v1.4.0`,
    );
    expect(countReferences(pinnedWorkflow).action).toBe(countReferences(original).action);

    const release = mkdtempSync(join(tmpdir(), 'kubemend-release-'));
    mkdirSync(join(release, '.github/workflows'), { recursive: true });
    writeFileSync(join(release, REUSABLE_WORKFLOW), pinnedWorkflow);
    const caller = callerRepository(kube, { playbooks: { 'image-pull': { mode: 'dry-run' } } });
    mkdirSync(join(caller, '.github/workflows'));
    const file = join(caller, '.github/workflows/kubemend-alerts.yml');
    writeFileSync(file, pinnedTemplate);

    const jobs = await runWorkflow(file, {
      secrets: { KUBECONFIG: kube.kubeconfig() },
      repository: caller,
      event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
      actor: 'alertmanager-relay',
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
      kubemendRoot: release,
    });

    // The pinned copy was the one called, and every kubemend step in it ran its action.
    expect(jobs.kubemend!.workflow).toBe(join(release, REUSABLE_WORKFLOW));
    const steps = kubemendSteps(jobs.kubemend!);
    expect(steps.map((s) => s.uses)).toEqual([
      `kubemend/kubemend/actions/intake@${CUT}`,
      `kubemend/kubemend/actions/triage@${CUT}`,
      `kubemend/kubemend/actions/remediate@${CUT}`,
      `kubemend/kubemend/actions/report@${CUT}`,
    ]);
    for (const step of steps)
      expect(step).toMatchObject({ outcome: 'success', run: expect.anything() });
    // The same ending as the unpinned template's: the jobs, one incident, its dry run.
    expect(jobLines(jobs)).toEqual(ALERT_INTAKE_JOBS);
    const number = Number(jobs.kubemend!.outputs['incident-number']);
    expect(gh.repo(REPOSITORY).issues.get(number)?.labels).toContain('kubemend/dry-run');
    expect(JSON.parse(jobs.kubemend!.outputs.matrix!).include).toEqual([
      expect.objectContaining({ playbook: 'image-pull', incident: number }),
    ]);
    expect(kube.writes()).toEqual([]);
  });
});
