// Intake's domain: a payload in, one incident per problem out.
import type { Alert } from '../alerts/model.js';
import { normalisePayload } from '../alerts/shapes.js';
import type { IntakeConfig } from '../config/config.js';
import type { Identity } from '../alerts/identity.js';
import { groupAlerts } from './grouping.js';
import { IncidentUpserter, type UpsertContext, type UpsertResult } from './upsert.js';

export interface IntakeOutcome {
  alerts: Alert[];
  results: UpsertResult[];
  storm: boolean;
  problems: number;
}

/**
 * Normalises and groups the payload before any request, so a bad payload writes nothing;
 * then records each incident in turn (one run's incidents share its request budget).
 */
export async function intake(
  payload: unknown,
  options: { cluster: string | undefined; config: IntakeConfig },
  context: UpsertContext,
): Promise<IntakeOutcome> {
  const alerts = normalisePayload(payload, { cluster: options.cluster });
  return intakeAlerts(alerts, options.config, context);
}

/** Alerts already normalised (a payload's, or the scan's findings) into their incidents. */
export async function intakeAlerts(
  alerts: Alert[],
  config: IntakeConfig,
  context: UpsertContext,
): Promise<IntakeOutcome> {
  const options = { config };
  const { groups, storm, problems } = groupAlerts(
    alerts,
    options.config.groupBy,
    options.config.maxIncidents,
  );
  if (storm) {
    context.log.warning(
      `The payload names ${problems} problems (more than intake.max-incidents, ${options.config.maxIncidents}): they are recorded as one incident per cluster.`,
    );
  }
  const results: UpsertResult[] = [];
  // Triage and the stages after it see only the alerts of live incidents: a resolved
  // notification for an incident that already ended is recorded as ignored, nothing more.
  const live: Alert[] = [];
  for (const group of groups) {
    // Progress reports (a Flux info event that is no recovery) change no incident: no
    // request, whether one is open or not.
    if (group.alerts.every((alert) => alert.informational)) {
      context.log.info(
        `${group.identity.branch}: a progress report, neither a failure nor a recovery; nothing to do.`,
      );
      results.push(noted(group.identity));
      continue;
    }
    const result = await new IncidentUpserter(
      context,
      group.identity,
      group.alerts.filter((alert) => !alert.informational),
    ).run();
    results.push(result);
    if (result.action !== 'ignored') live.push(...group.alerts);
  }
  return { alerts: live, results, storm, problems };
}

/** The result of a progress report: ignored, nothing read or written, so nothing known of the incident. */
function noted(identity: Identity): UpsertResult {
  return {
    key: identity.key,
    number: null,
    url: null,
    created: false,
    action: 'ignored',
    status: 'resolved',
    stablyResolved: false,
    notable: [],
    occurrences: 0,
    recordPath: identity.recordPath,
    branch: identity.branch,
    incidentState: 'closed',
  };
}
