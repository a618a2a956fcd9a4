// `/kubemend retry`: the comment's handler dispatches `kubemend-retry` with the incident's
// number, and the pipeline the alert started runs again for it. Intake then counts no
// occurrence: it reads the incident's record and hands its latest alert to triage, as a
// repeat would, so triage, remediation and report run exactly as they did for the alert.
import { alertFromRecord } from '../alerts/stored.js';
import { identityOfRecord } from '../alerts/identity.js';
import type { GitHubClient } from '../github/client.js';
import { readRecord } from './records.js';
import type { IntakeOutcome } from './intake.js';
import { MAX_ISSUE_NUMBER, RETRY_EVENT } from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';

/** The incident a `kubemend-retry` dispatch names; undefined for any other event. */
export function retryRequest(event: {
  name: string;
  payload: Record<string, unknown>;
}): number | undefined {
  if (event.name !== 'repository_dispatch' || event.payload.action !== RETRY_EVENT)
    return undefined;
  const body = isObject(event.payload.client_payload) ? event.payload.client_payload : {};
  const n = body.incident;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_ISSUE_NUMBER)
    throw new UsageError(
      `client_payload.incident of the ${RETRY_EVENT} dispatch is not an incident number; allowed: the number of an open kubemend incident.`,
    );
  return n;
}

/** The incident's latest alert, as intake's outcome for triage; nothing is written. */
export async function retryIntake(
  gh: GitHubClient & { owner: string; repo: string },
  number: number,
): Promise<IntakeOutcome> {
  const record = await readRecord({ ...gh, number });
  if (!record)
    throw new UsageError(
      `#${number} holds no kubemend incident record: nothing to retry (retry is for incidents intake opened).`,
    );
  if (record.incident?.state === 'closed')
    throw new UsageError(`Incident #${number} is closed: nothing to retry.`);
  const identity = identityOfRecord(record);
  return {
    alerts: [alertFromRecord(record)],
    results: [
      {
        key: record.key,
        number,
        url: record.incident?.url ?? null,
        created: false,
        action: 'retried',
        status: record.status,
        stablyResolved: false,
        notable: [],
        occurrences: record.occurrences,
        recordPath: identity.recordPath,
        branch: identity.branch,
        incidentState: 'open',
      },
    ],
    storm: false,
    problems: 1,
  };
}
