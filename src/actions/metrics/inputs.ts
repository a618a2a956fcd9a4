import { DAY_MS, parseDuration } from '../../shared/duration.js';
import { showValue, UsageError } from '../../shared/errors.js';
import { booleanInput, optionalInput, secretInput } from '../inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface MetricsInputs {
  token: string;
  /** How far back the history is read, in ms. */
  sinceMs: number;
  /** Create or update the metrics issue. */
  issue: boolean;
}

const MAX_SINCE_MS = 3660 * DAY_MS;

export function getMetricsInputs(): MetricsInputs {
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can read contents and pull requests and write issues',
  );
  const since = optionalInput(Inputs.Since, Defaults[Inputs.Since]);
  const sinceMs = parseDuration(since, MAX_SINCE_MS);
  if (sinceMs === undefined || sinceMs <= 0)
    throw new UsageError(
      `Input '${Inputs.Since}' is ${showValue(since)}; allowed: a duration from 1s to 3660d, such as 90d or 12h.`,
    );
  return { token, sinceMs, issue: booleanInput(Inputs.Issue, Defaults[Inputs.Issue]) };
}
