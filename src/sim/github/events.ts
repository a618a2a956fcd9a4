// Writes GITHUB_EVENT_PATH files in the shapes of @octokit/webhooks-examples, with the
// repository, issue, comment and inputs a test needs put in place.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Payload = Record<string, unknown>;
interface Example {
  name: string;
  examples: Payload[];
}

const require = createRequire(import.meta.url);
let examples: Example[] | undefined;

/** The first community example of an event (and action), deep-copied. */
export function example(event: string, action?: string): Payload {
  examples ??= require('@octokit/webhooks-examples/api.github.com/index.json') as Example[];
  const found = examples
    .find((e) => e.name === event)
    ?.examples.find((p) => action === undefined || p.action === action);
  if (!found) throw new Error(`no webhooks example for ${event}${action ? `.${action}` : ''}`);
  return structuredClone(found);
}

function withRepository(payload: Payload, repository: string): Payload {
  const [owner = '', name = ''] = repository.split('/');
  const repo = (payload.repository ?? {}) as Payload;
  const ownerObject = (repo.owner ?? {}) as Payload;
  payload.repository = {
    ...repo,
    name,
    full_name: repository,
    owner: { ...ownerObject, login: owner },
    html_url: `https://github.com/${repository}`,
  };
  return payload;
}

export interface IssueRef {
  number: number;
  title?: string;
  body?: string;
  labels?: string[];
  /** An issue that is a pull request carries `pull_request`. */
  pullRequest?: boolean;
}

function issueObject(base: Payload, repository: string, issue: IssueRef): Payload {
  return {
    ...base,
    number: issue.number,
    title: issue.title ?? `Issue ${issue.number}`,
    body: issue.body ?? '',
    labels: (issue.labels ?? []).map((name) => ({ name })),
    html_url: `https://github.com/${repository}/issues/${issue.number}`,
    ...(issue.pullRequest
      ? {
          pull_request: { url: `https://api.github.com/repos/${repository}/pulls/${issue.number}` },
        }
      : {}),
  };
}

export const events = {
  repositoryDispatch(
    repository: string,
    clientPayload: unknown,
    eventType = 'kubemend-alert',
  ): Payload {
    return {
      ...withRepository(example('repository_dispatch'), repository),
      action: eventType,
      client_payload: clientPayload,
    };
  },
  /** `sender`: who applied the label (the example's sender when not given). */
  issuesLabeled(repository: string, issue: IssueRef, label: string, sender?: string): Payload {
    const payload = withRepository(example('issues', 'labeled'), repository);
    if (sender) payload.sender = { ...(payload.sender as Payload), login: sender };
    payload.issue = issueObject(payload.issue as Payload, repository, {
      ...issue,
      labels: [...(issue.labels ?? []), label],
    });
    payload.label = { ...(payload.label as Payload), name: label };
    return payload;
  },
  issueCommentCreated(
    repository: string,
    issue: IssueRef,
    comment: { body: string; login: string; id?: number },
  ): Payload {
    const payload = withRepository(example('issue_comment', 'created'), repository);
    payload.issue = issueObject(payload.issue as Payload, repository, issue);
    const base = payload.comment as Payload;
    payload.comment = {
      ...base,
      id: comment.id ?? 1,
      body: comment.body,
      user: { ...(base.user as Payload), login: comment.login },
    };
    payload.sender = { ...(payload.sender as Payload), login: comment.login };
    return payload;
  },
  workflowDispatch(
    repository: string,
    inputs: Record<string, string>,
    workflow = '.github/workflows/kubemend.yml',
    sender?: string,
  ): Payload {
    const payload = withRepository(example('workflow_dispatch'), repository);
    if (sender) payload.sender = { ...(payload.sender as Payload), login: sender };
    return { ...payload, inputs, workflow, ref: 'refs/heads/main' };
  },
  /** `schedule` is not a webhook; the runner's payload has the cron and the repository. */
  schedule(
    repository: string,
    cron = '*/15 * * * *',
    workflow = '.github/workflows/kubemend-scan.yml',
  ): Payload {
    return {
      ...withRepository({ repository: example('workflow_dispatch').repository }, repository),
      schedule: cron,
      workflow,
    };
  },
};

/** The runner's event name for each helper. */
export const eventNames = {
  repositoryDispatch: 'repository_dispatch',
  issuesLabeled: 'issues',
  issueCommentCreated: 'issue_comment',
  workflowDispatch: 'workflow_dispatch',
  schedule: 'schedule',
} as const;

/** Writes a payload to a fresh file and returns its path, for GITHUB_EVENT_PATH. */
export function writeEventFile(
  payload: Payload,
  dir = mkdtempSync(join(tmpdir(), 'kubemend-event-')),
): string {
  const path = join(dir, 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return path;
}
