// Triage reading the sweep's scan from files: each sweep job of the reusable workflow's
// matrix writes intake's alerts and incidents to scan.json, uploaded as the artifact
// kubemend-scan-<cluster>; triage's `from-dir` reads every one download-artifact left,
// as one intake's outputs, and refuses anything else in the folder in one line.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTriageInputs } from '../../src/actions/triage/inputs.js';
import { readScanDir, writeScanFile } from '../../src/actions/scan-files.js';
import { getErrorMessage, UsageError } from '../../src/shared/errors.js';
import { alertsOf } from '../sweep/support.js';

const finding = (cluster: string) =>
  alertsOf({
    title: 'Deployment shop/web cannot pull its image',
    cluster,
    severity: 'critical',
    status: 'firing',
    namespace: 'shop',
    resource: 'Deployment/web',
    message: 'Back-off pulling image "web:1.2"',
  });

/** The workspace after download-artifact: kubemend-scan/kubemend-scan-<cluster>/scan.json. */
function downloaded(clusters: Record<string, number>): string {
  const workspace = mkdtempSync(join(tmpdir(), 'kubemend-scan-ws-'));
  for (const [cluster, number] of Object.entries(clusters)) {
    process.env.RUNNER_TEMP = mkdtempSync(join(tmpdir(), 'kubemend-scan-runner-'));
    const path = writeScanFile(
      JSON.stringify(finding(cluster)),
      JSON.stringify([{ number, key: `scan/${cluster}/shop/web` }]),
    );
    mkdirSync(join(workspace, 'kubemend-scan', `kubemend-scan-${cluster}`), { recursive: true });
    copyFileSync(path, join(workspace, 'kubemend-scan', `kubemend-scan-${cluster}`, 'scan.json'));
  }
  delete process.env.RUNNER_TEMP;
  return workspace;
}

function withInputs<T>(workspace: string, inputs: Record<string, string>, read: () => T): T {
  const keys = Object.keys(inputs).map((name) => `INPUT_${name.toUpperCase()}`);
  Object.entries(inputs).forEach(([name, value]) => {
    process.env[`INPUT_${name.toUpperCase()}`] = value;
  });
  process.env.GITHUB_WORKSPACE = workspace;
  try {
    return read();
  } finally {
    for (const key of [...keys, 'GITHUB_WORKSPACE']) delete process.env[key];
  }
}

const errorOf = (read: () => unknown): string => {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return getErrorMessage(error);
  }
  throw new Error('expected a UsageError');
};

describe("triage's from-dir", () => {
  it("reads every sweep job's scan file, merging their alerts and incident numbers", () => {
    const workspace = downloaded({ prod: 12, homelab: 14 });
    const inputs = withInputs(workspace, { 'from-dir': 'kubemend-scan' }, getTriageInputs);
    expect(inputs.alerts?.map((a) => a.cluster)).toEqual(['homelab', 'prod']);
    expect(inputs.numbers).toEqual(
      new Map([
        ['scan/homelab/shop/web', 14],
        ['scan/prod/shop/web', 12],
      ]),
    );
  });

  it('holds nothing when no sweep uploaded a file (the folder does not exist)', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'kubemend-scan-ws-'));
    const inputs = withInputs(workspace, { 'from-dir': 'kubemend-scan' }, getTriageInputs);
    expect(inputs.alerts).toEqual([]);
  });

  it('refuses a file that is not a scan file, naming it in one line', () => {
    const workspace = downloaded({ prod: 12 });
    writeFileSync(join(workspace, 'kubemend-scan', 'notes.txt'), 'hello');
    expect(errorOf(() => readScanDir(join(workspace, 'kubemend-scan'), 'from-dir'))).toBe(
      `Input 'from-dir': "notes.txt" is not named scan.json; allowed: the scan.json files of the sweep's kubemend-scan-* artifacts.`,
    );
  });

  it.each([
    ['not JSON', '{"alerts": [', 'is not JSON'],
    ['without incidents', '{"alerts": []}', 'is not an object with the lists alerts and incidents'],
    [
      'with another key',
      '{"alerts": [], "incidents": [], "run": "x"}',
      'has the unknown key "run"',
    ],
  ])('refuses a scan.json %s', (_, text, why) => {
    const workspace = downloaded({});
    mkdirSync(join(workspace, 'kubemend-scan', 'kubemend-scan-prod'), { recursive: true });
    writeFileSync(join(workspace, 'kubemend-scan', 'kubemend-scan-prod', 'scan.json'), text);
    expect(errorOf(() => readScanDir(join(workspace, 'kubemend-scan'), 'from-dir'))).toBe(
      `Input 'from-dir': "kubemend-scan-prod/scan.json" ${why}; allowed: the scan.json files of the sweep's kubemend-scan-* artifacts.`,
    );
  });

  it("refuses an alert or incident that is not intake's, naming the file and the entry", () => {
    const workspace = downloaded({});
    mkdirSync(join(workspace, 'kubemend-scan', 'kubemend-scan-prod'), { recursive: true });
    const file = join(workspace, 'kubemend-scan', 'kubemend-scan-prod', 'scan.json');
    writeFileSync(file, JSON.stringify({ alerts: [42], incidents: [] }));
    expect(
      errorOf(() => withInputs(workspace, { 'from-dir': 'kubemend-scan' }, getTriageInputs)),
    ).toMatch(
      /^Input 'from-dir': "kubemend-scan-prod\/scan.json" alerts\[0\] is not an alert object/,
    );
    writeFileSync(file, JSON.stringify({ alerts: [], incidents: [{ number: 3 }] }));
    expect(
      errorOf(() => withInputs(workspace, { 'from-dir': 'kubemend-scan' }, getTriageInputs)),
    ).toBe(
      `Input 'from-dir': "kubemend-scan-prod/scan.json" incidents[0] has no key; pass intake's 'incidents' output.`,
    );
  });

  it('refuses a folder outside the workspace', () => {
    expect(
      errorOf(() => withInputs(tmpdir(), { 'from-dir': '../elsewhere' }, getTriageInputs)),
    ).toMatch(/^Input 'from-dir' is "..\/elsewhere"; allowed: a path relative to the workspace/);
  });
});
