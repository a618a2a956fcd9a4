// `kubemend`, the command line: the actions' code outside GitHub Actions. Output is JSON
// on stdout; a user's mistake is one line on stderr and exit code 2; our own bug is exit 1.
import { readFileSync } from 'node:fs';
import { LIMITS } from '../alerts/model.js';
import { checkConfig, loadConfig, type KubemendConfig } from '../config/config.js';
import { UsageError, getErrorMessage, oneLine } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { isClusterName } from '../shared/names.js';
import { CATEGORY_INFO } from '../triage/categories.js';
import { triagePayload, type TriagedIncident } from '../triage/triage.js';
import { parseCommandArgs } from './args.js';
import { DIAGNOSE_USAGE, diagnoseCommand } from './diagnose.js';
import { METRICS_USAGE, metricsCommand } from './metrics.js';
import { REHEARSE_USAGE, rehearseCommand } from './rehearse.js';
import { RELAY_USAGE, relayCommand } from './relay.js';
import { SCAN_USAGE, scanCommand } from './scan.js';
import { VERSION } from './version.js';

export const USAGE = `Usage:
  kubemend triage [--cluster NAME] [--config FILE] FILE|-
      Triage an alert payload (a repository_dispatch request body, its client_payload,
      or a GitHub event file; - reads stdin). Prints the incidents as JSON. NAME is the
      cluster of a payload that names none (default: unknown).
  kubemend validate-config FILE
      Check a .github/kubemend.yml the way the actions do; prints every problem,
      one per line.
${SCAN_USAGE}
${DIAGNOSE_USAGE}
${REHEARSE_USAGE}
${RELAY_USAGE}
${METRICS_USAGE}
  kubemend --version
  kubemend help`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Buffer;
  /** Whether stdout is a terminal (colour, progress). */
  isTty?: boolean;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: () => readFileSync(0),
  isTty: process.stdout.isTTY === true,
};

/** Runs one command; resolves to the exit code. */
export async function cli(args: string[], io: Io = processIo): Promise<number> {
  try {
    const [command, ...rest] = args;
    switch (command) {
      case 'triage':
        io.stdout(`${JSON.stringify(triageCommand(rest, io), null, 2)}\n`);
        return 0;
      case 'validate-config': {
        const { summary, problems } = validateCommand(rest);
        // Every problem, one per line, so one run shows all there is to fix.
        if (problems.length > 0) {
          io.stderr(problems.map((problem) => `${oneLine(problem)}\n`).join(''));
          return 2;
        }
        io.stdout(`${summary}\n`);
        return 0;
      }
      case 'scan':
        return await scanCommand(rest, io);
      case 'diagnose':
        // It loads the Kubernetes client and the doctor itself, on demand.
        return await diagnoseCommand(rest, io);
      case 'rehearse':
        return await rehearseCommand(rest, { ...io, isTty: io.isTty ?? false });
      case 'relay':
        // It loads the server and the GitHub client itself, on demand.
        return await relayCommand(rest, io);
      case 'metrics':
        // It loads the GitHub client and the metrics itself, on demand.
        return await metricsCommand(rest, io);
      case '--version':
      case 'version':
        io.stdout(`${VERSION}\n`);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(
          command === undefined
            ? 'kubemend: a command is required: triage, validate-config, scan, diagnose, rehearse, relay, metrics or help.'
            : `kubemend: unknown command ${JSON.stringify(command.slice(0, 40))}; allowed: triage, validate-config, scan, diagnose, rehearse, relay, metrics, help, --version.`,
        );
    }
  } catch (error) {
    io.stderr(`${oneLine(getErrorMessage(error))}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** The cluster of a payload that names none, when --cluster is not given either. */
export const UNNAMED_CLUSTER = 'unknown';

function oneFile(positional: string[], what: string): string {
  if (positional.length !== 1)
    throw new UsageError(
      `kubemend: ${what} takes one FILE (or - for stdin); got ${positional.length}.`,
    );
  return positional[0] as string;
}

function triageCommand(args: string[], io: Io): { incidents: unknown[] } {
  const { options, positional } = parseCommandArgs(args, {
    command: 'kubemend',
    values: ['cluster', 'config'],
  });
  const file = oneFile(positional, 'triage');
  const config: KubemendConfig = loadConfig(
    options.config ?? '.github/kubemend.yml',
    process.cwd(),
  );
  const payload = unwrapEvent(readJson(file, io));
  const cluster = options.cluster;
  if (cluster !== undefined && !isClusterName(cluster))
    throw new UsageError(
      `kubemend: --cluster ${JSON.stringify(cluster.slice(0, 70))} is not a cluster name; allowed: 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.`,
    );
  // Reading a payload needs no cluster: one that names none is triaged as `unknown`
  // (intake, which files incidents per cluster, insists on a name instead).
  const { incidents } = triagePayload(payload, { cluster: cluster ?? UNNAMED_CLUSTER, config });
  return { incidents: incidents.map(present) };
}

function validateCommand(args: string[]): { summary: string; problems: string[] } {
  const { positional } = parseCommandArgs(args, { command: 'kubemend', values: [] });
  const file = oneFile(positional, 'validate-config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `kubemend: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  const { config, problems } = checkConfig(text, file);
  if (config === undefined) return { summary: '', problems };
  const modes = Object.entries(config.playbooks)
    .filter(([, p]) => p.mode !== 'dry-run')
    .map(([name, p]) => `${name}=${p.mode}`);
  return {
    summary: `${file}: valid; ${config.triage.rules.length} user rule(s); playbooks: ${modes.length ? `${modes.join(', ')}, others dry-run` : 'all dry-run'}.`,
    problems: [],
  };
}

/** Reads JSON from a file or stdin, bounded like intake's payload. */
function readJson(file: string, io: Io): unknown {
  let bytes: Buffer;
  try {
    bytes = file === '-' ? io.readStdin() : readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `kubemend: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  // A full event file carries the repository and sender besides the payload: allow for them.
  const limit = LIMITS.payloadBytes + 200_000;
  if (bytes.length > limit)
    throw new UsageError(`kubemend: ${file} is ${bytes.length} bytes; allowed: at most ${limit}.`);
  try {
    return JSON.parse(new TextDecoder('utf-8').decode(bytes)) as unknown;
  } catch (error) {
    throw new UsageError(
      `kubemend: ${file} is not JSON (${(error as Error).message.slice(0, 120)}).`,
    );
  }
}

/** A GitHub event file (repository_dispatch) carries the payload under client_payload, beside `action`. */
function unwrapEvent(body: unknown): unknown {
  if (isObject(body) && isObject(body.client_payload) && typeof body.event_type !== 'string')
    return body.client_payload;
  return body;
}

/** The JSON the issue promises, plus each category's playbook and what it is a symptom of. */
export function present(incident: TriagedIncident) {
  return {
    key: incident.key,
    id: incident.id,
    title: incident.title,
    cluster: incident.cluster,
    namespace: incident.namespace,
    status: incident.status,
    severity: incident.severity,
    categories: incident.categories.map((c) => ({
      name: c.name,
      confidence: c.confidence,
      evidence: c.evidence,
      playbook: c.playbook,
      summary: CATEGORY_INFO[c.name].summary,
      ...(c.symptomOf ? { symptomOf: c.symptomOf } : {}),
    })),
    targets: incident.targets,
    alerts: incident.alerts,
  };
}
