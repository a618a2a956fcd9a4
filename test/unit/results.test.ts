// Result files as report reads them: a result a job wrote comes back as the same typed
// value; a file whose fields have the wrong shape is named and skipped, never shown.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemediationResult } from '../../src/remediation/result.js';
import { readResults } from '../../src/report/results.js';

const written: RemediationResult = {
  version: 1,
  playbook: 'crash-loop',
  category: 'crash-loop',
  incident: 4,
  cluster: 'lab',
  mode: 'dry-run',
  targets: { cluster: 'lab', namespace: 'shop', workload: { kind: 'Deployment', name: 'api' } },
  identity: { status: 'confirmed', matched: ['server'] },
  findings: ['2 pod(s) crash-loop'],
  decisions: [
    { guardrail: 'opt-in', allowed: true, reason: 'opted in', target: 'shop/Deployment/api' },
  ],
  actions: [
    {
      verb: 'patch',
      object: 'shop/Deployment/api',
      dryRun: true,
      detail: 'rollout restart',
      diff: ['+a'],
    },
  ],
  verification: { before: 2, after: null, polls: 0 },
  outcome: 'skipped',
  reason: 'mode dry-run',
  requests: 9,
  durations: { totalMs: 1200, verifyMs: 0 },
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function resultsDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-results-'));
  dirs.push(dir);
  for (const [name, doc] of Object.entries(files)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'result.json'), JSON.stringify(doc));
  }
  return dir;
}

describe('a result file', () => {
  it('a job wrote reads back as the same result', () => {
    expect(readResults(resultsDir({ a: written }), 4)).toEqual({ results: [written], skipped: [] });
  });

  it.each([
    [
      'a decision naming no guardrail',
      { decisions: [{ guardrail: 'trust-me', allowed: true, reason: 'x' }] },
      'decisions[0].guardrail is not a kubemend guardrail',
    ],
    [
      'a finding that is not text',
      { findings: [{ toString: 'x' }] },
      'findings is not a list of strings',
    ],
    [
      'a workload that is not {kind, name}',
      { targets: { cluster: 'lab', workload: 'Deployment/api' } },
      'targets.workload is not an object {kind?, name}',
    ],
    [
      'a duration that is not a number',
      { durations: { totalMs: 'soon', verifyMs: 0 } },
      'durations is not {totalMs, verifyMs}',
    ],
  ])('with %s is skipped, naming the field', (_, change, problem) => {
    const { results, skipped } = readResults(resultsDir({ a: { ...written, ...change } }), 4);
    expect(results).toEqual([]);
    expect(skipped).toEqual([expect.stringContaining(`a/result.json: ${problem}`)]);
  });
});
