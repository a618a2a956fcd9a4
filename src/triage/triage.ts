// Triage's domain: alerts in, incidents out, each with ranked categories, evidence and
// targets. The CLI and the triage action share it, and group alerts into incidents
// exactly as intake does, so an incident's key is the same wherever it is computed.
import type { Alert, Severity } from '../alerts/model.js';
import { normalisePayload } from '../alerts/shapes.js';
import type { KubemendConfig, TriageConfig } from '../config/config.js';
import { groupAlerts } from '../incidents/grouping.js';
import { BUILTIN_RULES } from './builtin-rules.js';
import { TriageEngine, type CategoryResult } from './engine.js';
import type { RuleSpec } from './rule-spec.js';
import { MAX_SUBJECTS, type Targets } from '../remediation/targets.js';
import { subjectsOf, targetsOf } from './targets.js';

export interface TriagedIncident {
  key: string;
  /** The key's hash: the incident's branch and record carry it. */
  id: string;
  title: string;
  cluster: string;
  namespace: string | null;
  status: 'firing' | 'resolved';
  severity: Severity;
  categories: CategoryResult[];
  targets: Targets;
  /** One Targets per distinct target of the firing alerts (MAX_SUBJECTS at most), in alert order. */
  subjects: Targets[];
  alerts: Alert[];
}

export interface TriageOutcome {
  incidents: TriagedIncident[];
  /** True when the alerts named more problems than intake.max-incidents. */
  storm: boolean;
}

/** Built-in rules merged with the user's: a user rule named like a built-in one replaces it. */
export function rulesOf(config: TriageConfig): RuleSpec[] {
  const own = new Map(config.rules.map((rule) => [rule.name, rule]));
  const builtin = config.builtinRules ? BUILTIN_RULES.filter((rule) => !own.has(rule.name)) : [];
  return [
    ...builtin,
    ...config.rules.filter((rule) => rule.enabled).map((rule) => ({ ...rule, user: true })),
  ];
}

export function engineFor(config: TriageConfig): TriageEngine {
  return new TriageEngine(rulesOf(config));
}

/** A payload in any accepted shape, triaged per incident. */
export function triagePayload(
  payload: unknown,
  options: { cluster: string | undefined; config: KubemendConfig; engine?: TriageEngine },
): TriageOutcome {
  const alerts = normalisePayload(payload, { cluster: options.cluster });
  return triageAlerts(alerts, options.config, options.engine);
}

export function triageAlerts(
  alerts: Alert[],
  config: KubemendConfig,
  engine = engineFor(config.triage),
): TriageOutcome {
  const { groups, storm } = groupAlerts(alerts, config.intake.groupBy, config.intake.maxIncidents);
  const incidents = groups.map(({ identity, alerts: members }) => {
    const [first] = members;
    if (!first) throw new Error('an incident needs at least one alert');
    const { categories, severity } = engine.incident(members);
    const targets = targetsOf(members);
    return {
      key: identity.key,
      id: identity.hash8,
      title: first.title,
      cluster: first.cluster,
      namespace: targets.namespace ?? null,
      status: members.some((a) => a.status === 'firing')
        ? ('firing' as const)
        : ('resolved' as const),
      severity,
      categories,
      targets,
      subjects: subjectsOf(members, MAX_SUBJECTS),
      alerts: members,
    };
  });
  return { incidents, storm };
}
