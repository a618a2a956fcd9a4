// The metrics as OpenMetrics text, checked by Prometheus's own tools: `promtool check
// metrics` (the text parser and its lint) and `promtool tsdb create-blocks-from
// openmetrics` (the strict OpenMetrics parser, which wants a timestamp on each sample, so
// a copy with one appended is fed to it). Label values are hostile names, read back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeFigures } from '../../src/metrics/figures.js';
import { labelValue, metricsOpenMetrics } from '../../src/metrics/openmetrics.js';
import { HOSTILE, hostileFigures, NOW } from './hostile.js';

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input });
  if (run.error)
    throw new Error(
      `promtool could not run (${run.error.message}); run scripts/install-alerting.sh`,
    );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The strict OpenMetrics parser's verdict and the series it stored. */
function strictParse(text: string): { status: number | null; output: string; series: number } {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-openmetrics-'));
  try {
    const stamped = text.replace(/^([^#\n].*)$/gm, `$1 ${Date.parse(NOW) / 1000}`);
    writeFileSync(join(dir, 'metrics.txt'), stamped);
    const run = promtool([
      'tsdb',
      'create-blocks-from',
      'openmetrics',
      join(dir, 'metrics.txt'),
      join(dir, 'blocks'),
    ]);
    // BLOCK ULID  MIN TIME  MAX TIME  DURATION  NUM SAMPLES  NUM CHUNKS  NUM SERIES  SIZE
    const row = run.output.split('\n').find((l) => /^[0-9A-Z]{26}\s/.test(l));
    return { ...run, series: Number(row?.trim().split(/\s+/)[6] ?? -1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const samples = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

/** The label values of a sample line, unescaped as a parser reads them. */
function labelValues(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g))
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

describe('the metrics as OpenMetrics', () => {
  const text = metricsOpenMetrics(hostileFigures());

  it('passes promtool check metrics, hostile label values and all', () => {
    expect(promtool(['check', 'metrics'], text)).toEqual({ status: 0, output: '' });
    // The check can fail: a raw quote in a label value is refused.
    expect(promtool(['check', 'metrics'], text.replace('\\"', '"')).status).not.toBe(0);
  });

  it('is read sample for sample by the strict OpenMetrics parser, ending in # EOF', () => {
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    const parsed = strictParse(text);
    expect(parsed.status).toBe(0);
    expect(parsed.series).toBe(samples(text).length);
    expect(strictParse(text.replace('\n# EOF\n', '\n')).status).not.toBe(0);
  });

  it('escapes label values so they read back as the names they came from', () => {
    const clusters = new Set(
      samples(text)
        .filter((l) => l.startsWith('kubemend_incidents{'))
        .map((l) => labelValues(l).cluster)
        .filter((c) => c !== undefined),
    );
    expect([...clusters].sort()).toEqual([...HOSTILE].sort());
    expect(labelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    // A lone surrogate would not encode as UTF-8: it becomes U+FFFD.
    expect(labelValue('x\ud800y')).toBe('x\ufffdy');
  });

  it('gives quantiles 0.5 and 0.9 in seconds with their count, per window', () => {
    expect(text).toContain('kubemend_mttr_seconds{window="30d",quantile="0.5"} 3600\n');
    expect(text).toContain('kubemend_mttr_seconds{window="30d",quantile="0.9"} 90000\n');
    expect(text).toContain('kubemend_mttr_seconds_count{window="30d"} 20\n');
    expect(text).toContain('kubemend_unknown_records 25\n');
  });

  it('gives an empty repository zeros, no quantiles, and valid text', () => {
    const empty = metricsOpenMetrics(computeFigures([], [], NOW));
    expect(empty).toContain('kubemend_incidents{window="7d"} 0\n');
    expect(empty).not.toMatch(/quantile=/);
    expect(promtool(['check', 'metrics'], empty)).toEqual({ status: 0, output: '' });
    expect(strictParse(empty).status).toBe(0);
  });
});
