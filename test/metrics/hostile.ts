// Figures whose every alert, cluster, category, playbook, mode and guardrail name is
// hostile text (a table cell breakout, a Mermaid label breakout, a fence, a marker, a
// mention, quotes and backslashes for OpenMetrics), with counts in every table.
import { computeFigures, type Figures, type Slice } from '../../src/metrics/figures.js';
import { UNKNOWN_LISTED } from '../../src/metrics/markdown.js';

export const NOW = '2026-12-01T00:00:00.000Z';

export const HOSTILE = [
  'a|b',
  'x"]] ; %% pie\n| injected | row |',
  '<!-- kubemend:body --> @admin #12',
  '```\nmermaid',
  'title "%%{init: {"theme":"dark"}}%%',
  '#quot; <script>alert(1)</script>',
  '\\|\\',
];

function slice(incidents: number, extra: Partial<Slice> = {}): Slice {
  const base = computeFigures([], [], NOW).windows[0]!.current.all;
  return {
    ...base,
    incidents,
    perWeek: incidents / 4,
    timeToRecoverMs: { count: incidents, median: 3_600_000, p90: 90_000_000 },
    timeToFirstActionMs: { count: incidents, median: 120_000, p90: 600_000 },
    alertsPerIncident: { count: incidents, median: 3, p90: 9 },
    ...extra,
  };
}

/** Figures whose every name is hostile, with counts in every table. */
export function hostileFigures(): Figures {
  const figures = computeFigures([], [], NOW);
  for (const w of figures.windows) {
    for (const period of [w.current, w.previous]) {
      period.all = slice(20, {
        refusals: Object.fromEntries(HOSTILE.map((h, i) => [h, i + 1])),
        recurrences: 3,
        closed: 10,
        cameBack: 2,
        cameBackShare: 0.2,
        humans: { approvals: 2, mergesByPeople: 1, manualCloses: 1 },
      });
      period.byCategory = Object.fromEntries(HOSTILE.map((h, i) => [h, slice(i + 1)]));
      period.byCluster = Object.fromEntries(HOSTILE.map((h, i) => [h, slice(i + 2)]));
      period.byPlaybook = Object.fromEntries(HOSTILE.map((h, i) => [h, slice(i + 1)]));
      period.outcomes = Object.fromEntries(
        HOSTILE.map((h, i) => [
          h,
          {
            byMode: { auto: { resolved: i + 1, failed: 1 }, [h]: { [h]: 2 } },
            refused: 1,
            needsHuman: i,
          },
        ]),
      );
      period.noisiestAlerts = HOSTILE.map((h, i) => ({
        name: h,
        cluster: h,
        occurrences: 50 - i,
        incidents: 3,
      }));
      period.slowestCategories = HOSTILE.map((h, i) => ({
        category: h,
        medianMs: 1_000_000 * (10 - i),
        p90Ms: 2_000_000 * (10 - i),
        count: 2,
      }));
    }
  }
  figures.weeks = figures.weeks.map((w, i) => ({ ...w, incidents: i % 4 }));
  figures.unknown = Array.from({ length: UNKNOWN_LISTED + 5 }, (_, i) => ({
    number: 100 + i,
    path: i % 2 ? `alerts/incoming/${HOSTILE[i % HOSTILE.length]}.yaml` : null,
    reason: HOSTILE[i % HOSTILE.length]!,
  }));
  return figures;
}
