// What the sweep action shows for a sweep outcome: its outputs, and a job summary of one
// line when nothing changed or a table of what did, with text from GitHub made literal.
import type { SweepOutcome } from '../../src/sweep/stage.js';
import { summaryMarkdown, sweepOutputs } from '../../src/actions/sweep/outputs.js';

const quiet: SweepOutcome = {
  incidents: 3,
  targets: 5,
  changed: [],
  closed: 0,
  githubRequests: 7,
  kubeRequests: 5,
  warnings: [],
  scan: undefined,
};

describe('the sweep action shows', () => {
  it('one line when it looked at incidents and changed nothing', () => {
    expect(summaryMarkdown(quiet)).toBe(
      '### kubemend sweep\n\n3 incident(s) looked at, nothing to change.\n',
    );
    expect(sweepOutputs(quiet)).toEqual({
      incidents: '3',
      changed: '[]',
      closed: '0',
      findings: '0',
      alerts: '',
      'scan-incidents': '',
      'github-requests': '7',
      'kube-requests': '5',
    });
  });

  it('a row per changed incident, its ending made literal Markdown', () => {
    const outcome: SweepOutcome = {
      ...quiet,
      changed: [
        { number: 12, from: 'verifying', to: 'closed', ending: 'Closed: stale for 7d <b>|</b>' },
        { number: 14, from: 'open', to: 'open', ending: undefined },
      ],
      closed: 1,
    };
    const lines = summaryMarkdown(outcome).split('\n');
    expect(lines).toContain('3 incident(s) looked at, 5 target(s) observed; 2 changed, 1 closed.');
    const row12 = lines.find((l) => l.startsWith('| #12 |'));
    expect(row12).toMatch(/^\| #12 \| verifying \| closed \| Closed: stale for 7d .+ \|$/);
    // The cell's own pipe and the HTML are escaped: still four cells.
    expect(row12!.split(/(?<!\\)\|/).length).toBe(6);
    expect(row12).not.toContain('<b>');
    expect(lines).toContain('| #14 | open | open | — |');
    expect(JSON.parse(sweepOutputs(outcome).changed!)).toEqual([
      { number: 12, from: 'verifying', to: 'closed', ending: 'Closed: stale for 7d <b>|</b>' },
      { number: 14, from: 'open', to: 'open' },
    ]);
  });

  it('one line when it had no credentials for its cluster and read nothing', () => {
    const skipped =
      "no credentials for cluster staging: the kubeconfig's contexts are homelab, prod; add a context named staging. Nothing was swept or scanned for it.";
    expect(summaryMarkdown({ ...quiet, incidents: 0, skipped })).toBe(
      `### kubemend sweep\n\n${skipped}\n`,
    );
  });
});
