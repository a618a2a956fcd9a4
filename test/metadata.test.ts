import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import * as allInOne from '../src/actions/all-in-one/constants.js';
import * as diagnose from '../src/actions/diagnose/constants.js';
import * as intake from '../src/actions/intake/constants.js';
import * as metrics from '../src/actions/metrics/constants.js';
import { actions } from '../src/actions/loaders.js';
import * as remediate from '../src/actions/remediate/constants.js';
import * as report from '../src/actions/report/constants.js';
import * as sweep from '../src/actions/sweep/constants.js';
import * as triage from '../src/actions/triage/constants.js';
import { lintActionMetadata } from '../scripts/lint-workflows.js';
import { repoRoot } from '../src/rehearse/action.js';

interface Spec {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
}

const constants: Record<string, { Inputs: object; Outputs: object; Defaults: object }> = {
  intake,
  triage,
  remediate,
  report,
  diagnose,
  sweep,
  metrics,
};
const folders = readdirSync(join(repoRoot, 'actions')).sort();
const metadata = (name: string): Spec =>
  load(readFileSync(join(repoRoot, 'actions', name, 'action.yml'), 'utf8')) as Spec;

describe('action metadata', () => {
  it('has one action folder per bundled action and per constants module', () => {
    expect(Object.keys(actions).sort()).toEqual(folders);
    expect(Object.keys(constants).sort()).toEqual(folders);
  });

  it.each(folders)('%s/action.yml passes the metadata rules', (name) => {
    const path = join(repoRoot, 'actions', name, 'action.yml');
    expect(lintActionMetadata(path, readFileSync(path, 'utf8'))).toEqual([]);
  });

  it.each(folders)('%s runs on node24 from its entry in dist/', (name) => {
    const spec = metadata(name);
    expect(spec.runs).toEqual({ using: 'node24', main: `../../dist/${name}/index.js` });
    expect(existsSync(join(repoRoot, 'dist', name, 'index.js'))).toBe(true);
  });

  it.each(folders)(
    '%s declares exactly the inputs and outputs its code reads and writes',
    (name) => {
      const spec = metadata(name);
      const own = constants[name]!;
      expect(Object.keys(spec.inputs).sort()).toEqual(Object.values(own.Inputs).sort());
      expect(Object.keys(spec.outputs).sort()).toEqual(Object.values(own.Outputs).sort());
    },
  );

  it.each(folders)('%s states the same defaults as its code applies', (name) => {
    const spec = metadata(name);
    const defaults = constants[name]!.Defaults as Record<string, string>;
    for (const [input, { default: value }] of Object.entries(spec.inputs)) {
      if (value === undefined || value.includes('${{')) continue;
      expect([input, defaults[input] ?? '']).toEqual([input, value]);
    }
  });
});

describe('the root action.yml (the all-in-one action)', () => {
  const path = join(repoRoot, 'action.yml');
  const spec = load(readFileSync(path, 'utf8')) as Spec;

  it('passes the metadata rules and the Marketplace listing rules, and runs on node24 from its entry in dist/', () => {
    expect(lintActionMetadata(path, readFileSync(path, 'utf8'), { marketplace: true })).toEqual([]);
    expect(spec.runs).toEqual({ using: 'node24', main: 'dist/all-in-one/index.js' });
    expect(existsSync(join(repoRoot, 'dist/all-in-one/index.js'))).toBe(true);
  });

  it('declares exactly the inputs and outputs its code reads and writes, with the same defaults', () => {
    expect(Object.keys(spec.inputs).sort()).toEqual(Object.values(allInOne.Inputs).sort());
    expect(Object.keys(spec.outputs).sort()).toEqual(Object.values(allInOne.Outputs).sort());
    const defaults = allInOne.Defaults as Record<string, string>;
    for (const [input, { default: value }] of Object.entries(spec.inputs)) {
      if (value === undefined || value.includes('${{')) continue;
      expect([input, defaults[input] ?? '']).toEqual([input, value]);
    }
  });
});
