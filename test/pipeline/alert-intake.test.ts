// The alert-intake template as a user copies it: an alert's repository_dispatch starts
// it (and not the cluster doctor beside it), its one job calls kubemend's reusable
// workflow from the package with the user's KUBECONFIG secret, and the record shows the
// pipeline's jobs under the caller job, as GitHub's run page does.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { events } from '../../src/sim/github/events.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { workflowsListening } from '../../src/rehearse/triggers.js';
import { jobLines, runWorkflow } from '../../src/rehearse/workflow.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { ALERT, ALERT_INTAKE_JOBS, callerRepository, startEmulators } from './support.js';

let gh: GitHubEmulator;
let kube: KubeEmulator;

beforeEach(async () => {
  ({ gh, kube } = await startEmulators());
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

describe('the alert-intake template', () => {
  it('is started by an alert and runs the whole pipeline as the kubemend job', async () => {
    const caller = callerRepository(kube, { playbooks: { 'image-pull': { mode: 'dry-run' } } });
    mkdirSync(join(caller, '.github/workflows'));
    for (const template of ['alert-intake.yml', 'cluster-doctor.yml'])
      copyFileSync(
        join(repoRoot, 'workflows-templates', template),
        join(caller, '.github/workflows', template),
      );
    const event = {
      name: 'repository_dispatch',
      payload: events.repositoryDispatch(REPOSITORY, ALERT),
    };
    const started = workflowsListening(caller, event);
    expect(started.map((file) => basename(file))).toEqual(['alert-intake.yml']);

    const jobs = await runWorkflow(started[0]!, {
      secrets: { KUBECONFIG: kube.kubeconfig() },
      repository: caller,
      event,
      actor: 'alertmanager-relay',
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
    });
    expect(jobLines(jobs)).toEqual(ALERT_INTAKE_JOBS);
    // The callee's workflow_call outputs are the caller job's.
    const number = Number(jobs.kubemend!.outputs['incident-number']);
    expect(gh.repo(REPOSITORY).issues.get(number)).toBeDefined();
    expect(JSON.parse(jobs.kubemend!.outputs.matrix!).include).toEqual([
      expect.objectContaining({ playbook: 'image-pull', incident: number }),
    ]);
  });

  it("with `secrets: inherit`, acts with the repository's KUBEMEND_TOKEN, the quick start's name", async () => {
    const caller = callerRepository(kube, { playbooks: { 'image-pull': { mode: 'dry-run' } } });
    mkdirSync(join(caller, '.github/workflows'));
    // The swap the template's comment describes: its `secrets:` mapping for the inherit line.
    const template = readFileSync(join(repoRoot, 'workflows-templates/alert-intake.yml'), 'utf8');
    const inherit = template.replace(/^ {4}secrets:\n(?: {6}.*\n)+/m, '    secrets: inherit\n');
    expect(inherit).not.toBe(template);
    const file = join(caller, '.github/workflows/kubemend-alerts.yml');
    writeFileSync(file, inherit);
    const bot = gh.person('kubemend-bot', 'write', REPOSITORY);
    const jobs = await runWorkflow(file, {
      secrets: { KUBECONFIG: kube.kubeconfig(), KUBEMEND_TOKEN: bot },
      repository: caller,
      event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
      actor: 'alertmanager-relay',
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
    });
    const number = Number(jobs.kubemend!.outputs['incident-number']);
    // Opened by the token's user, not the workflow's GITHUB_TOKEN (github-actions[bot]).
    expect(gh.repo(REPOSITORY).issues.get(number)?.user).toBe('kubemend-bot');
  });
});
