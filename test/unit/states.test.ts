// The incident's states are one table: docs/states.md lists the same rows and
// transitions, and every state has a label of its own.
import { readFileSync } from 'node:fs';
import { INCIDENT_STATES, STATES, stateFromLabels } from '../../src/incidents/states.js';

const doc = readFileSync('docs/states.md', 'utf8');

/** The rows of the Markdown table whose header starts with `header`. */
function table(header: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header}`));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('incident states', () => {
  it('docs/states.md lists every state with its label and whether it ends the incident', () => {
    const rows = table('state');
    expect(rows.map((r) => r[0])).toEqual(INCIDENT_STATES.map((s) => `\`${s}\``));
    for (const [state, label, ends] of rows) {
      const row = STATES[state!.replace(/`/g, '') as (typeof INCIDENT_STATES)[number]];
      expect(label).toBe(`\`${row.label}\``);
      expect(ends).toBe(row.ends ? 'yes' : 'no');
    }
  });

  it('docs/states.md shows exactly the transitions the table allows', () => {
    const rows = table('from \\ to');
    const header = doc
      .split('\n')
      .find((l) => l.startsWith('| from \\ to'))!
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim());
    const shown = new Set<string>();
    for (const [from, ...cells] of rows)
      cells.forEach((cell, i) => {
        if (cell === '✓') shown.add(`${from!.replace(/`/g, '')}→${header[i]}`);
      });
    const allowed = new Set(
      INCIDENT_STATES.flatMap((to) => STATES[to].from.map((from) => `${from}→${to}`)),
    );
    expect([...shown].sort()).toEqual([...allowed].sort());
  });

  it('every state has a label of its own, and the labels read back as the state', () => {
    const labels = INCIDENT_STATES.map((s) => STATES[s].label);
    expect(new Set(labels).size).toBe(labels.length);
    for (const state of INCIDENT_STATES)
      expect(stateFromLabels(['kubemend', STATES[state].label, 'category/oom'])).toBe(state);
    expect(stateFromLabels(['kubemend'])).toBeUndefined();
  });
});
