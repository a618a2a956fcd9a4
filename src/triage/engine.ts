// Rules over facts: each alert gets categories with confidence and evidence, and an
// incident's categories rank the root cause above the symptoms it produces.
import type { Alert, Severity } from '../alerts/model.js';
import { worstSeverity } from '../incidents/record.js';
import type { Playbook } from '../shared/constants.js';
import {
  CATEGORIES,
  CATEGORY_INFO,
  ROOT_CAUSE_CONFIDENCE,
  SYMPTOMS,
  SYMPTOM_GAP,
  UNKNOWN_CONFIDENCE,
  type Category,
} from './categories.js';
import { factsOf } from './facts.js';
import { compileRule, matchRule, type CompiledRule, type Evidence } from './rule.js';
import type { RuleSpec } from './rule-spec.js';

export interface CategoryResult {
  name: Category;
  /** 0 to 1, two decimals. */
  confidence: number;
  evidence: IncidentEvidence[];
  /** The playbook the category runs (a user rule may name another). */
  playbook: Playbook;
  /** Set when the category is a symptom of a cause found with more confidence. */
  symptomOf?: Category;
  /** For a symptom: whether its playbook still runs after the cause's (`also`) or not. */
  runs?: 'also' | 'instead';
  /** The confidence of its strongest single rule: breaks ties (a user's 0.99 beats five weak hints). */
  strongest: number;
  /** True when a user's rule found it: never demoted as a symptom. */
  stated?: boolean;
}

export interface IncidentEvidence extends Evidence {
  /** Index of the alert in the incident, when the incident has more than one. */
  alert?: number;
}

export interface Triaged {
  categories: CategoryResult[];
  /** The worst severity after user rules' overrides. */
  severity: Severity;
}

const MAX_EVIDENCE = 6;
/** Confidence never reaches certainty: rules read text, not the cluster. */
const MAX_CONFIDENCE = 0.99;

export class TriageEngine {
  readonly rules: CompiledRule[];

  constructor(rules: RuleSpec[]) {
    this.rules = rules.map(compileRule);
  }

  /** Categories of an incident's alerts together, best first, causes above their symptoms. */
  incident(alerts: Alert[]): Triaged {
    const found = new Map<Category, CategoryResult>();
    let severity: Severity = 'none';
    alerts.forEach((alert, index) => {
      let alertSeverity = alert.severity;
      let overridden = false;
      for (const [category, hits] of this.matches(alert)) {
        // Distinct rules are distinct evidence: their confidences combine (noisy-or).
        const confidence = 1 - hits.reduce((p, h) => p * (1 - h.rule.confidence), 1);
        const best = hits.reduce((a, b) => (b.rule.confidence > a.rule.confidence ? b : a));
        const entry = found.get(category) ?? {
          name: category,
          confidence: 0,
          evidence: [],
          playbook: CATEGORY_INFO[category].playbook,
          strongest: 0,
        };
        if (confidence > entry.confidence) entry.confidence = confidence;
        if (hits.some((h) => h.rule.user)) entry.stated = true;
        if (best.rule.confidence > entry.strongest) {
          entry.strongest = best.rule.confidence;
          entry.playbook = best.rule.playbook ?? CATEGORY_INFO[category].playbook;
        }
        for (const hit of hits)
          for (const evidence of hit.evidence)
            if (entry.evidence.length < MAX_EVIDENCE)
              entry.evidence.push(alerts.length > 1 ? { ...evidence, alert: index } : evidence);
        found.set(category, entry);
        for (const hit of hits) {
          if (!hit.rule.severity) continue;
          alertSeverity = overridden
            ? worstSeverity(alertSeverity, hit.rule.severity)
            : hit.rule.severity;
          overridden = true;
        }
      }
      severity = worstSeverity(severity, alertSeverity);
    });
    const categories = [...found.values()].map((result) => ({
      ...result,
      confidence: Math.min(MAX_CONFIDENCE, result.confidence),
    }));
    if (categories.length === 0) categories.push(unknown(alerts));
    return { categories: rank(categories), severity };
  }

  private matches(alert: Alert): Map<Category, { rule: RuleSpec; evidence: Evidence[] }[]> {
    const facts = factsOf(alert);
    const out = new Map<Category, { rule: RuleSpec; evidence: Evidence[] }[]>();
    for (const rule of this.rules) {
      const evidence = matchRule(rule, facts);
      if (!evidence) continue;
      const list = out.get(rule.spec.category) ?? [];
      list.push({ rule: rule.spec, evidence });
      out.set(rule.spec.category, list);
    }
    return out;
  }
}

/** Nothing matched: say so, with the alert's own name as the only evidence. */
function unknown(alerts: Alert[]): CategoryResult {
  return {
    name: 'unknown',
    confidence: UNKNOWN_CONFIDENCE,
    playbook: CATEGORY_INFO.unknown.playbook,
    strongest: UNKNOWN_CONFIDENCE,
    evidence: alerts.slice(0, MAX_EVIDENCE).map((alert, index) => ({
      path: namePath(alert),
      match: alert.name.slice(0, 200),
      text: alert.name.slice(0, 200),
      rule: 'no-rule-matched',
      ...(alerts.length > 1 ? { alert: index } : {}),
    })),
  };
}

function namePath(alert: Alert): string {
  switch (alert.source) {
    case 'alertmanager':
      return 'labels.alertname';
    case 'argocd':
      return 'app_name';
    case 'event':
      return 'event.reason';
    case 'generic':
      return 'title';
    case 'flux':
      return 'involvedObject';
    case 'scan':
      return 'labels.analyzer';
  }
}

/** Causes found with enough confidence push their symptoms below them; then best first. */
function rank(categories: CategoryResult[]): CategoryResult[] {
  const byName = new Map(categories.map((c) => [c.name, c]));
  const causes = categories
    .filter((c) => SYMPTOMS[c.name] && c.confidence >= ROOT_CAUSE_CONFIDENCE)
    .sort((a, b) => b.confidence - a.confidence);
  for (const cause of causes) {
    if (cause.symptomOf) continue;
    const symptoms = SYMPTOMS[cause.name];
    if (!symptoms) continue;
    for (const runs of ['also', 'instead'] as const) {
      for (const name of symptoms[runs]) {
        const symptom = byName.get(name);
        if (!symptom || symptom.symptomOf || symptom.stated) continue;
        symptom.confidence = Math.max(
          0,
          Math.min(symptom.confidence, cause.confidence - SYMPTOM_GAP),
        );
        symptom.symptomOf = cause.name;
        symptom.runs = runs;
      }
    }
  }
  const order = (c: CategoryResult): number => CATEGORIES.indexOf(c.name);
  return categories
    .map((c) => ({ ...c, confidence: Math.round(c.confidence * 100) / 100 }))
    .sort(
      (a, b) =>
        b.confidence - a.confidence ||
        Number(Boolean(a.symptomOf)) - Number(Boolean(b.symptomOf)) ||
        b.strongest - a.strongest ||
        order(a) - order(b),
    );
}
