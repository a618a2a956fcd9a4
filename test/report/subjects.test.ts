// A result's per-target rows as report reads them back from a file anyone in the run
// could have written: parsed field by field, a malformed row refuses the file in one
// line; and a contained outcome needs no person.
import { parseResult } from '../../src/report/results.js';
import { decideState } from '../../src/report/state.js';
import type { RemediationResult, SubjectResult } from '../../src/remediation/result.js';

const rows: SubjectResult[] = [
  {
    target: 'Node/cp-1',
    outcome: 'skipped',
    reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
    action: 'none',
    refused: {
      guardrail: 'control-plane',
      reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
    },
  },
  {
    target: 'Node/worker-1',
    outcome: 'contained',
    reason: 'cordoned',
    action: 'cordon (patch Node)',
  },
  {
    target: 'Deployment/shop/cart',
    why: 'its pods were stuck pulling from the same registry (docker.io)',
    outcome: 'resolved',
    reason: 'no pod is stuck pulling',
    action: 'delete Pod ×2',
  },
];

function result(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    playbook: 'node',
    category: 'node',
    incident: 19,
    cluster: 'lab',
    mode: 'auto',
    targets: { cluster: 'lab', node: 'cp-1' },
    subjects: rows,
    identity: { status: 'confirmed' },
    findings: [],
    decisions: [],
    actions: [],
    verification: { before: 0, after: null, polls: 0 },
    outcome: 'contained',
    reason: 'Node/worker-1: contained',
    requests: 12,
    durations: { totalMs: 1000, verifyMs: 0 },
    ...overrides,
  };
}

describe('a result file with subjects', () => {
  it('is read back row by row', () => {
    const parsed = parseResult(JSON.parse(JSON.stringify(result())));
    expect(parsed).toEqual({ result: expect.objectContaining({ subjects: rows }) });
  });

  it('from an earlier version, without subjects, is still a result', () => {
    const parsed = parseResult(result({ subjects: undefined }));
    expect('result' in parsed && parsed.result.subjects).toBeUndefined();
  });

  it.each([
    ['not a list', 'x', 'subjects is not a list'],
    ['a row not an object', ['Node/cp-1'], 'subjects[0] is not an object'],
    [
      'a target that is not a target name',
      [{ ...rows[0], target: 'Pod/shop/x' }],
      'subjects[0].target is not a target name',
    ],
    ['an unknown outcome', [{ ...rows[1], outcome: 'fixed' }], 'subjects[0].outcome is not'],
    ['a missing action', [{ ...rows[1], action: undefined }], 'subjects[0] is not {target'],
    ['a malformed refusal', [{ ...rows[0], refused: 'yes' }], 'subjects[0].refused is not'],
  ])('is refused, in one line naming the field, with %s', (_what, subjects, problem) => {
    const parsed = parseResult(result({ subjects }));
    expect(parsed).toEqual({ problem: expect.stringContaining(problem) });
    expect('problem' in parsed && parsed.problem).not.toContain('\n');
  });
});

describe('the state of an incident whose playbook contained it', () => {
  it('needs no person: the source and the sweep tell when it is over', () => {
    const parsed = parseResult(result({ subjects: rows.slice(1) }));
    if (!('result' in parsed)) throw new Error(parsed.problem);
    const verdict = decideState([parsed.result as RemediationResult]);
    expect(verdict.state).toBe('acting');
    expect(verdict.reasons).toEqual([`node: ${parsed.result.reason}`]);
  });
});
