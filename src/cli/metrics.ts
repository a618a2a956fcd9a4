// `kubemend metrics`: the figures of issue 22 from a repository's incidents (src/metrics/),
// on stdout as a Markdown report (the default), JSON or OpenMetrics text. The GitHub
// client and the metrics are loaded only here.
import { parseArgs } from 'node:util';
import { UsageError } from '../shared/errors.js';
import { DAY_MS, parseDuration } from '../shared/duration.js';

export const METRICS_USAGE = `  kubemend metrics --repository OWNER/NAME [--since DURATION] [--at TIME] [--json|--openmetrics]
      Figures from the incidents of OWNER/NAME (their records, read with a request per
      100 incidents and per 100 record files): per window of 7, 30 and 90 days and the
      window before each, by cluster, category and playbook, time to first action and to
      recover (median and p90), alerts per incident, incidents per week, playbook
      outcomes by mode, recurrences, flaps, stale closes, people's interventions,
      guardrail refusals, the noisiest alerts and the slowest categories; unreadable
      records are listed as unknown. DURATION: how far back to read (default 180d; the
      windows longer than it are left out); TIME: the end of the windows (ISO 8601,
      default now). GitHub is reached with $GITHUB_TOKEN at $GITHUB_API_URL (default
      https://api.github.com). Prints a Markdown report with Mermaid charts; --json: the
      figures as JSON; --openmetrics: OpenMetrics text for a Pushgateway or a textfile
      collector.`;

export interface MetricsIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface MetricsArgs {
  owner: string;
  repo: string;
  sinceMs: number;
  at: number | undefined;
  format: 'markdown' | 'json' | 'openmetrics';
}

const OPTIONS = ['repository', 'since', 'at'];
const FLAGS = ['json', 'openmetrics'];
const ALLOWED = '--repository, --since, --at, --json, --openmetrics';
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const DEFAULT_SINCE_MS = 180 * DAY_MS;
const MAX_SINCE_MS = 3660 * DAY_MS;

function parseMetricsArgs(args: string[]): MetricsArgs {
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries([
      ...OPTIONS.map((name) => [name, { type: 'string' as const }]),
      ...FLAGS.map((name) => [name, { type: 'boolean' as const }]),
    ]),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind === 'positional')
      throw new UsageError(
        `kubemend metrics: takes no arguments, got ${JSON.stringify(token.value.slice(0, 40))}; allowed options: ${ALLOWED}.`,
      );
    if (token.kind !== 'option') continue;
    if (FLAGS.includes(token.name)) {
      if (token.value !== undefined)
        throw new UsageError(`kubemend metrics: ${token.rawName} takes no value.`);
      flags.add(token.name);
      continue;
    }
    if (!OPTIONS.includes(token.name))
      throw new UsageError(
        `kubemend metrics: unknown option ${token.rawName.slice(0, 42)}; allowed: ${ALLOWED}.`,
      );
    if (token.value === undefined || token.value === '')
      throw new UsageError(`kubemend metrics: option ${token.rawName} needs a value.`);
    values[token.name] = token.value;
  }
  const repository = values.repository;
  if (repository === undefined)
    throw new UsageError('kubemend metrics: --repository OWNER/NAME is required.');
  const m = REPOSITORY.exec(repository);
  if (!m)
    throw new UsageError(
      `kubemend metrics: --repository ${JSON.stringify(repository.slice(0, 80))} is not OWNER/NAME; allowed: a GitHub owner and repository name.`,
    );
  const sinceMs =
    values.since === undefined ? DEFAULT_SINCE_MS : parseDuration(values.since, MAX_SINCE_MS);
  if (sinceMs === undefined || sinceMs <= 0)
    throw new UsageError(
      `kubemend metrics: --since ${JSON.stringify(values.since?.slice(0, 40))} is not a duration; allowed: 1s to 3660d, such as 90d or 12h.`,
    );
  const at = values.at === undefined ? undefined : Date.parse(values.at);
  if (at !== undefined && (!Number.isFinite(at) || !/^\d{4}-\d{2}-\d{2}/.test(values.at ?? '')))
    throw new UsageError(
      `kubemend metrics: --at ${JSON.stringify(values.at?.slice(0, 40))} is not a time; allowed: ISO 8601, such as 2026-12-01T00:00:00Z.`,
    );
  if (flags.size > 1)
    throw new UsageError(
      'kubemend metrics: --json and --openmetrics exclude each other; allowed: one of them, or neither for Markdown.',
    );
  const format = flags.has('json') ? 'json' : flags.has('openmetrics') ? 'openmetrics' : 'markdown';
  return { owner: m[1] ?? '', repo: m[2] ?? '', sinceMs, at, format };
}

/** Reads the history and prints the figures; resolves to the exit code. */
export async function metricsCommand(
  args: string[],
  io: MetricsIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseMetricsArgs(args);
  const token = env.GITHUB_TOKEN;
  if (!token)
    throw new UsageError(
      'kubemend metrics: GITHUB_TOKEN is empty; set a token that may read the repository (contents, issues and pull requests: read).',
    );
  const { createGitHubClient } = await import('../github/client.js');
  const { describeGitHubError, statusOf } = await import('../github/errors.js');
  const { measure, metricsJson } = await import('../metrics/publish.js');
  const client = createGitHubClient({
    token,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    warn: (message) => io.stderr(`${message}\n`),
  });
  const now = parsed.at ?? Date.now();
  let measured;
  try {
    measured = await measure({
      github: { ...client, owner: parsed.owner, repo: parsed.repo },
      now,
      sinceMs: parsed.sinceMs,
    });
  } catch (error) {
    const status = statusOf(error);
    const told = describeGitHubError(error);
    // What the person can fix (a token, a name) is theirs; anything else is reported as ours.
    if (told && status !== undefined && status >= 400 && status < 500)
      throw new UsageError(`kubemend metrics: ${told}`);
    throw error;
  }
  const { figures, history, repository } = measured;
  if (parsed.format === 'markdown') {
    const { metricsMarkdown } = await import('../metrics/markdown.js');
    io.stdout(metricsMarkdown(figures, { repository, requests: history.requests }));
  } else if (parsed.format === 'openmetrics') {
    const { metricsOpenMetrics } = await import('../metrics/openmetrics.js');
    io.stdout(metricsOpenMetrics(figures));
  } else io.stdout(metricsJson(measured));
  return 0;
}
