// Alerts of one payload become incidents: one per problem key, or, when a payload names
// more problems than one run should open (an outage cascade), one per cluster.
import { identityOf, type GroupBy, type Identity } from '../alerts/identity.js';
import type { Alert } from '../alerts/model.js';
import { UsageError } from '../shared/errors.js';

export interface AlertGroup {
  identity: Identity;
  alerts: Alert[];
}

export interface Grouping {
  groups: AlertGroup[];
  /** True when the payload had more problems than `maxIncidents` and was grouped per cluster. */
  storm: boolean;
  /** Distinct problem keys in the payload before any storm grouping. */
  problems: number;
}

export function groupAlerts(
  alerts: Alert[],
  groupBy: readonly GroupBy[],
  maxIncidents: number,
): Grouping {
  const groups = byKey(alerts, groupBy);
  if (groups.length <= maxIncidents) return { groups, storm: false, problems: groups.length };
  const perCluster = byKey(alerts, ['cluster']);
  if (perCluster.length > maxIncidents) {
    throw new UsageError(
      `payload names ${perCluster.length} clusters; allowed: at most ${maxIncidents} (intake.max-incidents) in one payload.`,
    );
  }
  // The storm incident's title says what it is; the key (the cluster alone) keeps it one incident.
  const title = `Alert storm: ${groups.length} problems at once`;
  for (const group of perCluster) group.alerts = group.alerts.map((alert) => ({ ...alert, title }));
  return { groups: perCluster, storm: true, problems: groups.length };
}

function byKey(alerts: Alert[], groupBy: readonly GroupBy[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const alert of alerts) {
    const identity = identityOf(alert, groupBy);
    const group = groups.get(identity.key);
    if (group) group.alerts.push(alert);
    else groups.set(identity.key, { identity, alerts: [alert] });
  }
  return [...groups.values()];
}
