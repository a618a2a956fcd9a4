import { readFileSync } from 'node:fs';
import { kubeconfigYaml } from '../harness/kubeconfig.js';
import { runAction } from '../../src/rehearse/action.js';
import { eventNames, events, example, writeEventFile } from '../../src/sim/github/events.js';
import { allOperations } from '../../src/sim/github/openapi.js';
import { validateResponse } from '../../src/sim/github/validate.js';

const repository = 'octo-org/gitops';

describe('event files in the shapes of @octokit/webhooks-examples', () => {
  it('keeps every key of the community example and puts the repository in place', () => {
    const payload = events.issuesLabeled(
      repository,
      { number: 7, title: 'pods down' },
      'cluster-doctor',
    );
    expect(Object.keys(payload).sort()).toEqual(Object.keys(example('issues', 'labeled')).sort());
    expect(payload).toMatchObject({
      action: 'labeled',
      label: { name: 'cluster-doctor' },
      issue: { number: 7, title: 'pods down', labels: [{ name: 'cluster-doctor' }] },
      repository: { full_name: repository, name: 'gitops', owner: { login: 'octo-org' } },
    });
  });

  it('writes repository_dispatch, issue_comment, workflow_dispatch and schedule payloads', () => {
    const dispatch = JSON.parse(
      readFileSync(writeEventFile(events.repositoryDispatch(repository, { title: 'x' })), 'utf8'),
    );
    expect(dispatch).toMatchObject({
      action: 'kubemend-alert',
      client_payload: { title: 'x' },
      branch: 'master',
    });
    const comment = events.issueCommentCreated(
      repository,
      { number: 3, pullRequest: true },
      { body: '/kubemend retry', login: 'sre-alice' },
    );
    expect(comment).toMatchObject({
      action: 'created',
      comment: { body: '/kubemend retry', user: { login: 'sre-alice' } },
      sender: { login: 'sre-alice' },
      issue: { number: 3, pull_request: {} },
    });
    expect(events.workflowDispatch(repository, { 'issue-number': '3' })).toMatchObject({
      inputs: { 'issue-number': '3' },
      ref: 'refs/heads/main',
    });
    expect(events.schedule(repository)).toMatchObject({
      schedule: '*/15 * * * *',
      repository: { full_name: repository },
    });
    expect(eventNames.issueCommentCreated).toBe('issue_comment');
  });

  it("an action reads the label's sender from the labeled event the helper writes", async () => {
    const run = await runAction('diagnose', {
      githubToken: 'ghs_x',
      inputs: { kubeconfig: kubeconfigYaml() },
      event: {
        name: eventNames.issuesLabeled,
        payload: events.issuesLabeled(repository, { number: 9 }, 'cluster-doctor'),
      },
    });
    // No GitHub here: the one error line names the sender the event carried, whose
    // permission is asked before anything is read.
    expect(run.annotations[0]?.message).toMatch(
      /^GitHub API GET \/repos\/octo-org\/gitops\/collaborators\/Codertocat\/permission failed/,
    );
  });
});

describe('response validation', () => {
  const createPull = allOperations().find((op) => op.operationId === 'pulls/create')!;

  it('catches a response that lacks a field the description requires', () => {
    expect(validateResponse(createPull, 201, { title: 'no number' })).toMatch(
      /^response 201: \(root\) must have required property/,
    );
  });

  it('catches a status the operation does not document', () => {
    expect(validateResponse(createPull, 418, {})).toBe(
      'status 418 is not a documented response of pulls/create',
    );
  });
});
