// Runs the bundled intake action as the runner does, against the GitHub emulator.
import { parseRecord, type IncidentRecord } from '../../src/incidents/record.js';
import { events, eventNames } from '../../src/sim/github/events.js';
import type { GitHubEmulator } from '../../src/sim/github/server.js';
import { runAction, type ActionRun } from '../../src/rehearse/action.js';

export const REPOSITORY = 'octo-org/gitops';
export const TOKEN = 'ghs_intake_test_token';

/** No write spacing and short back-offs: the emulator answers in microseconds. */
export const PACE = { KUBEMEND_WRITE_INTERVAL_MS: '0', KUBEMEND_BACKOFF_MS: '40' };

export interface DispatchOptions {
  mode?: 'pr' | 'issue';
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  workspace?: string;
  /** The dispatch's event type (default kubemend-alert). */
  eventType?: string;
  /** Pass the payload as the `payload` input instead of a repository_dispatch event. */
  asInput?: boolean;
  timeoutMs?: number;
  /** Raw bytes for the event file, in place of the JSON dispatch event. */
  rawEvent?: Buffer;
}

/** One repository_dispatch run of the bundled intake action. */
export function dispatch(
  gh: GitHubEmulator,
  payload: unknown,
  options: DispatchOptions = {},
): Promise<ActionRun> {
  const repo = gh.repo(REPOSITORY);
  const inputs: Record<string, string> = { mode: options.mode ?? 'pr', ...options.inputs };
  if (options.asInput) inputs.payload = JSON.stringify(payload);
  return runAction('intake', {
    githubToken: TOKEN,
    apiUrl: gh.url,
    repository: REPOSITORY,
    inputs,
    ...(options.workspace ? { workspace: options.workspace } : {}),
    event: {
      name: eventNames.repositoryDispatch,
      payload: events.repositoryDispatch(
        REPOSITORY,
        options.asInput ? {} : payload,
        options.eventType,
      ),
      ...(options.rawEvent ? { raw: options.rawEvent } : {}),
    },
    env: {
      ...PACE,
      // A repository_dispatch run starts on the default branch, at its head.
      GITHUB_SHA: repo.refs.get('refs/heads/main') ?? '',
      GITHUB_REF: 'refs/heads/main',
      ...options.env,
    },
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

/** Runs at most `limit` dispatches at once, as parallel workflow runs would. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The incident branch of a run's first incident, from its `incidents` output. */
export function branchOf(run: ActionRun): string {
  const [first] = JSON.parse(run.outputs['incidents'] ?? '[]') as { branch: string }[];
  if (!first) throw new Error('the run reported no incident');
  return first.branch;
}

/** The record of a run's first incident, as the repository holds it now. */
export function recordOf(gh: GitHubEmulator, run: ActionRun): IncidentRecord {
  return recordOn(gh, branchOf(run), run.outputs['record-path'] ?? '');
}

export function recordOn(gh: GitHubEmulator, branch: string, path: string): IncidentRecord {
  const text = gh.repo(REPOSITORY).readFile(branch, path);
  const record = text === undefined ? undefined : parseRecord(text);
  if (!record) throw new Error(`no record at ${path} on ${branch}`);
  return record;
}

/** A generic payload, the shape a cron script sends. */
export function generic(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Storefront down',
    cluster: 'homelab',
    severity: 'warning',
    status: 'firing',
    namespace: 'shop',
    resource: 'Deployment/store-front',
    message: 'Back-off pulling image "registry.homelab.internal/shop/store-front:1.4.2"',
    ...overrides,
  };
}

export function expectSuccess(run: ActionRun): void {
  if (run.exitCode !== 0) {
    throw new Error(
      `intake failed (${run.exitCode}): ${run.annotations.map((a) => a.message).join(' | ')}\n${run.stderr}`,
    );
  }
}
