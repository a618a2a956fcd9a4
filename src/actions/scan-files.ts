// What a sweep's scan hands triage when the reusable workflow sweeps each cluster in a job
// of its own: matrix jobs share one set of outputs (the last one wins), so each sweep job
// writes intake's `alerts` and `incidents` to a file, uploaded as the artifact
// `kubemend-scan-<cluster>`, and triage reads every such file from the folder
// download-artifact fills. The folder holds artifacts: anything in the run could have
// written them, so every file is checked and a stray one refused, naming it.
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { showValue, UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';

/** The file's name in its artifact. */
export const SCAN_FILE = 'scan.json';
/** Intake's outputs for the alerts of one payload are bounded well below this. */
const MAX_SCAN_FILE_BYTES = 20_000_000;
/** The config names at most 50 clusters: one file each. */
const MAX_SCAN_FILES = 100;

/** One sweep's hand-over: intake's `alerts` and `incidents` outputs, as JSON lists. */
export interface ScanFile {
  /** The file, relative to the folder read, for error lines. */
  name: string;
  alerts: unknown[];
  incidents: unknown[];
}

/**
 * `<RUNNER_TEMP>/kubemend-scan/scan.json` from intake's two outputs (JSON text each);
 * the path is ours. The outputs are already what intake prints: redacted free text.
 */
export function writeScanFile(alerts: string, incidents: string): string {
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'kubemend-scan');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SCAN_FILE);
  const body = {
    alerts: JSON.parse(alerts) as unknown,
    incidents: JSON.parse(incidents) as unknown,
  };
  writeFileSync(path, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  return path;
}

/**
 * Every scan file under `dir` (download-artifact puts each artifact in a folder of its
 * own), in name order; none when `dir` does not exist (no sweep fed anything). Anything
 * that is not a scan file is refused: one line naming `input`, the file and why.
 */
export function readScanDir(dir: string, input: string): ScanFile[] {
  const refuse = (path: string, why: string): never => {
    throw new UsageError(
      `Input '${input}': ${showValue(relative(dir, path) || '.')} ${why}; allowed: the ${SCAN_FILE} files of the sweep's kubemend-scan-* artifacts.`,
    );
  };
  const paths: string[] = [];
  const walk = (at: string, depth: number): void => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, entry.name);
      if (entry.isDirectory() && depth < 2) walk(path, depth + 1);
      else if (!entry.isFile()) refuse(path, 'is not a file');
      else if (entry.name !== SCAN_FILE) refuse(path, `is not named ${SCAN_FILE}`);
      else if (paths.push(path) > MAX_SCAN_FILES)
        refuse(path, `is one file too many (at most ${MAX_SCAN_FILES})`);
    }
  };
  let top;
  try {
    top = lstatSync(dir);
  } catch {
    return [];
  }
  if (!top.isDirectory()) refuse(dir, 'is not a folder');
  walk(dir, 0);
  return paths.map((path) => {
    if (lstatSync(path).size > MAX_SCAN_FILE_BYTES)
      refuse(path, `is larger than ${MAX_SCAN_FILE_BYTES} bytes`);
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return refuse(path, 'is not JSON');
    }
    if (!isObject(doc) || !Array.isArray(doc.alerts) || !Array.isArray(doc.incidents))
      return refuse(path, 'is not an object with the lists alerts and incidents');
    const extra = Object.keys(doc).find((k) => k !== 'alerts' && k !== 'incidents');
    if (extra !== undefined) refuse(path, `has the unknown key ${showValue(extra)}`);
    return { name: relative(dir, path), alerts: doc.alerts, incidents: doc.incidents };
  });
}
