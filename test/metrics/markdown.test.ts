// The metrics report as GitHub renders it: its Mermaid parsed by @mermaid-js/parser, its
// tables by marked (GFM), with hostile alert, cluster and category names that try to
// break out of a table cell, a Mermaid label or a code fence, ping people or forge a
// kubemend marker; and an empty repository's one friendly paragraph.
import { parse } from '@mermaid-js/parser';
import { lexer, type Tokens } from 'marked';
import { computeFigures } from '../../src/metrics/figures.js';
import {
  autoFixShare,
  duration,
  mermaidLabel,
  metricsMarkdown,
  UNKNOWN_LISTED,
} from '../../src/metrics/markdown.js';
import { HOSTILE, hostileFigures, NOW } from './hostile.js';

const mermaidBlocks = (markdown: string): string[] =>
  [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);

/** Every table: marked's cells, and each raw line's count of unescaped `|`. */
function tables(markdown: string): Tokens.Table[] {
  return lexer(markdown).filter((t): t is Tokens.Table => t.type === 'table');
}

const unescapedPipes = (line: string): number =>
  [...line.matchAll(/(\\*)\|/g)].filter((m) => m[1]!.length % 2 === 0).length;

describe('the metrics report in Markdown', () => {
  const figures = hostileFigures();
  const report = metricsMarkdown(figures, { repository: 'octo-org/gitops', requests: 4 });

  it('draws pie charts that @mermaid-js/parser parses, hostile names reduced to plain labels', async () => {
    const blocks = mermaidBlocks(report);
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      const pie = await parse('pie', block);
      expect(pie.sections.length).toBeGreaterThan(1);
      for (const section of pie.sections) {
        expect(section.label).toMatch(/^[\p{L}\p{N} ._/…-]+$/u);
        expect(section.value).toBeGreaterThan(0);
      }
      // Nothing a label held started a directive, a comment or a new statement.
      expect(
        block
          .split('\n')
          .slice(2)
          .every((l) => /^ {2}"[^"\n]*" : \d+$/.test(l)),
      ).toBe(true);
    }
    const categories = await parse('pie', blocks[0]!);
    expect(categories.sections.map((s) => s.value)).toEqual(HOSTILE.map((_, i) => i + 1));
  });

  it('keeps every table row to its columns, hostile names kept whole in their cell', () => {
    const found = tables(report);
    expect(found.length).toBeGreaterThanOrEqual(9);
    for (const t of found) {
      for (const row of t.rows) expect(row).toHaveLength(t.header.length);
      const lines = t.raw.trimEnd().split('\n');
      const columns = unescapedPipes(lines[0]!);
      for (const line of lines) expect([line, unescapedPipes(line)]).toEqual([line, columns]);
    }
    const noisiest = found.find((t) => t.header[0]?.text === 'alert')!;
    // The cell shows the name (on one line, HTML as text), not a second row or a marker.
    expect(noisiest.rows).toHaveLength(HOSTILE.length);
    expect(noisiest.rows[0]?.[0]?.text).toBe('a|b');
    expect(noisiest.rows[1]?.[0]?.text).toContain('injected');
    expect(report).not.toMatch(/^<!-- kubemend:/m);
    expect(report).not.toContain('<script>');
    expect(report).not.toMatch(/@admin|#12\b/);
    // The only fences are the charts' own.
    expect(report.match(/^```/gm)).toHaveLength(4);
  });

  it('lists the unreadable records up to the cap, with why, and counts the rest', () => {
    const unknown = tables(report).find((t) => t.header[0]?.text === 'incident')!;
    expect(unknown.rows).toHaveLength(UNKNOWN_LISTED);
    expect(unknown.rows[0]?.map((c) => c.text)).toEqual(['no. 100', '(the body)', 'a|b']);
    expect(report).toContain(`${UNKNOWN_LISTED + 5} incident(s) hold a record`);
    expect(report).toContain('…and 5 more.');
  });

  it('opens with this week against last, recovery against the previous window and the auto-fix share', () => {
    const first = report.split('\n\n')[1]!;
    expect(first).toMatch(
      /^\*\*20\*\* incident\(s\) started in the last 7 days, the same as the 7 days before \(20\)\./,
    );
    expect(first).toContain('time to recover was **1h** median and **1d 1h** p90 (20 recovered)');
    const share = autoFixShare(figures.windows.find((w) => w.days === 30)!.current);
    // resolved i + 1 of (i + 2) runs for each of 7 playbooks: 28 of 35.
    expect(share).toEqual({ share: 28 / 35, runs: 35 });
    expect(first).toContain('resolved or improved **80%** of their 35 run(s)');
  });

  it('gives an empty repository one friendly paragraph and no error', () => {
    const empty = metricsMarkdown(computeFigures([], [], NOW), { repository: 'octo-org/empty' });
    const paragraphs = empty.trim().split('\n\n');
    expect(paragraphs[0]).toBe('## kubemend metrics');
    expect(paragraphs[1]).toMatch(
      /^No incidents in octo-org\/empty in the last 90 days, so there is nothing to measure yet\./,
    );
    expect(tables(empty)).toEqual([]);
    expect(mermaidBlocks(empty)).toEqual([]);
  });
});

describe('report helpers', () => {
  it.each([
    [null, '—'],
    [45_000, '45s'],
    [3_600_000, '1h'],
    [3_720_000, '1h 2m'],
    [90_000_000, '1d 1h'],
    [172_800_000 + 300_000, '2d'],
  ])('writes %p ms as %p', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it.each([
    ['CrashLoop"]]', 'CrashLoop'],
    ['a%%{init}%%b', 'a init b'],
    ['', 'unnamed'],
    ['x'.repeat(50), `${'x'.repeat(39)}…`],
  ])('makes the Mermaid label %p plain text', (text, label) => {
    expect(mermaidLabel(text)).toBe(label);
  });
});
