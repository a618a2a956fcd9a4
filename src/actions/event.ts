import { readFileSync } from 'node:fs';
import { showValue, UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';

/**
 * The webhook payload of the event that started the run, read from GITHUB_EVENT_PATH.
 * Read here rather than through @actions/github so actions that need no API client
 * do not load Octokit to learn what started them.
 */
export function readEvent(): { name: string; payload: Record<string, unknown> } {
  const name = process.env.GITHUB_EVENT_NAME ?? '';
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path) return { name, payload: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(
      `GITHUB_EVENT_PATH names a file that cannot be read; run this action inside a workflow.`,
    );
  }
  try {
    const payload = JSON.parse(text) as unknown;
    return { name, payload: isObject(payload) ? payload : {} };
  } catch {
    throw new UsageError(
      `The event file at GITHUB_EVENT_PATH is not JSON; run this action inside a workflow.`,
    );
  }
}

/** `owner/repo` from GITHUB_REPOSITORY; undefined outside a workflow run. */
export function repositoryFromEnv(): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

/** `owner/repo` of the run; outside a workflow run, a usage error. */
export function requiredRepository(): { owner: string; repo: string } {
  const repository = repositoryFromEnv();
  if (!repository) {
    throw new UsageError(
      `GITHUB_REPOSITORY is ${showValue(process.env.GITHUB_REPOSITORY ?? '')}; expected owner/repo: run this action inside a workflow.`,
    );
  }
  return repository;
}

/** The GitHub web server of the run (GitHub Enterprise has its own). */
export function serverUrl(): string {
  return process.env.GITHUB_SERVER_URL || 'https://github.com';
}

/** The workflow run's page, linked from comments; undefined outside a workflow run. */
export function runUrl({ owner, repo }: { owner: string; repo: string }): string | undefined {
  const id = process.env.GITHUB_RUN_ID;
  if (!id) return undefined;
  return `${serverUrl()}/${owner}/${repo}/actions/runs/${id}`;
}
