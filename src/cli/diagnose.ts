// `kubemend diagnose`: the cluster doctor from a laptop. The same evidence, knowledge base
// and ranking as the diagnose action (src/diagnosis/), over the caller's own kubeconfig,
// read-only (a dry-run client), within the read policy of the config. Causes best first,
// each with its evidence, what refutes it and the fix; `{ "causes": [...] }` with --json.
// No cause is said as such, with the evidence read: "I don't know" beats a wrong answer.
// Exit 0 with or without causes; 2 with one line on bad input. Everything printed is
// redacted (log lines and events are cluster text).
import { readFileSync } from 'node:fs';
import { parseConfig, type KubemendConfig } from '../config/config.js';
import { WORKLOAD_KINDS } from '../diagnosis/scope.js';
import type { DiagnosisScope } from '../diagnosis/evidence.js';
import type { RankedCause } from '../diagnosis/rank.js';
import { UsageError } from '../shared/errors.js';
import { redact, redactDeep } from '../shared/redact.js';
import { parseCommandArgs } from './args.js';
import { laptopKubeconfig } from './scan.js';

export const DIAGNOSE_USAGE = `  kubemend diagnose [--kubeconfig FILE] [--context NAME] [--config FILE] --namespace NS
                    (--workload KIND/NAME | --pod NAME | --node NAME | --app NAME) [--json]
      The cluster doctor from a laptop: reads the evidence (pods, logs, events, rollout
      history, nodes, claims, budgets, autoscalers, the Argo CD Application of --app)
      read-only and ranks the causes of the knowledge base, each with its confidence,
      evidence, what refutes it and the fix. KIND: deployment, statefulset, daemonset or
      job. Reads only the namespaces the config's read policy allows (--config FILE,
      default: the built-in config). Prints the causes, or with --json { "causes": [...] }.
      Exit 0 with or without causes; 2: bad input.`;

export interface DiagnoseIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface DiagnoseArgs {
  kubeconfig: string | undefined;
  context: string | undefined;
  config: string | undefined;
  namespace: string;
  target: { flag: 'workload' | 'pod' | 'node' | 'app'; kind: string | undefined; name: string };
  json: boolean;
}

const TARGETS = ['workload', 'pod', 'node', 'app'] as const;
const VALUE_OPTIONS = ['kubeconfig', 'context', 'config', 'namespace', ...TARGETS];
/** RFC 1123 label: what a namespace name may be. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: what a workload, pod, node or Application name may be. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** The workload kinds the doctor reads (an Application is --app). */
const KINDS = Object.entries(WORKLOAD_KINDS).filter(([, kind]) => kind !== 'Application');
const KIND_NAMES = [...new Set(KINDS.map(([, kind]) => kind.toLowerCase()))].join(', ');
const PREFIX = 'kubemend diagnose';

const quoted = (value: string) => JSON.stringify(value.slice(0, 70));

function parseDiagnoseArgs(args: string[]): DiagnoseArgs {
  const { options: values, flags } = parseCommandArgs(args, {
    command: PREFIX,
    values: VALUE_OPTIONS,
    flags: ['json'],
    once: true,
    positionals: false,
  });
  const namespace = values.namespace;
  if (namespace === undefined)
    throw new UsageError(`${PREFIX}: --namespace NS is required (the namespace to diagnose).`);
  if (!NAMESPACE.test(namespace))
    throw new UsageError(
      `${PREFIX}: --namespace ${quoted(namespace)} is not a namespace name; allowed: up to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.`,
    );
  const given = TARGETS.flatMap((flag) => {
    const value = values[flag];
    return value === undefined ? [] : [{ flag, value }];
  });
  const [target] = given;
  if (given.length !== 1 || !target)
    throw new UsageError(
      `${PREFIX}: ${given.length === 0 ? 'nothing to diagnose' : `${given.map((g) => `--${g.flag}`).join(' and ')} given together`}; allowed: exactly one of --workload KIND/NAME, --pod NAME, --node NAME, --app NAME.`,
    );
  const { flag, value } = target;
  let raw = value;
  let kind: string | undefined;
  if (flag === 'workload') {
    const slash = raw.indexOf('/');
    const kindName = slash < 0 ? '' : raw.slice(0, slash).toLowerCase();
    kind = KINDS.find(([alias]) => alias === kindName)?.[1];
    if (!kind)
      throw new UsageError(
        `${PREFIX}: --workload ${quoted(raw)} is not KIND/NAME with a kind the doctor knows; allowed kinds: ${KIND_NAMES}.`,
      );
    raw = raw.slice(slash + 1);
  }
  if (!NAME.test(raw))
    throw new UsageError(
      `${PREFIX}: --${flag} ${quoted(value)} ${flag === 'workload' ? 'has no Kubernetes name after KIND/' : 'is not a Kubernetes name'}; allowed: up to 253 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit.`,
    );
  return {
    kubeconfig: values.kubeconfig,
    context: values.context,
    config: values.config,
    namespace,
    target: { flag, kind, name: raw },
    json: flags.has('json'),
  };
}

/** The config of --config (a missing or invalid file is bad input), else the built-in one. */
function readConfig(path: string | undefined): KubemendConfig {
  if (path === undefined) return parseConfig('', '(built-in defaults)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${PREFIX}: config ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass one with --config FILE.`,
    );
  }
  return parseConfig(text, path);
}

/** The scope collectEvidence reads, as scopeFromIssue builds it from an issue. */
function scopeOf(options: DiagnoseArgs, cluster: string): DiagnosisScope {
  const { flag, kind, name } = options.target;
  return {
    cluster,
    namespace: options.namespace,
    workload:
      flag === 'workload' && kind
        ? { kind, name }
        : flag === 'app'
          ? { kind: 'Application', name }
          : undefined,
    pods: flag === 'pod' ? [name] : [],
    nodes: flag === 'node' ? [name] : [],
  };
}

export async function diagnoseCommand(args: string[], io: DiagnoseIo): Promise<number> {
  const options = parseDiagnoseArgs(args);
  const config = readConfig(options.config);
  // A namespace the config closes outright is refused before any request.
  const { refusedOutright, readPolicy } = await import('../diagnosis/access.js');
  const outright = refusedOutright(config, options.namespace);
  if (outright) throw new UsageError(`${PREFIX}: not diagnosed: ${outright}.`);
  const kubeconfig = await laptopKubeconfig(PREFIX, options.kubeconfig, options.context);
  const { KubeClient, apiErrorLine } = await import('../kube/client.js');
  const { collectEvidence } = await import('../diagnosis/evidence.js');
  const { rankCauses } = await import('../diagnosis/rank.js');
  const { summary, UNSURE_AT_OR_BELOW } = await import('../diagnosis/render.js');
  // Dry-run: the client refuses to write, whatever a future change asks of it.
  const client = new KubeClient(kubeconfig, { dryRun: true });
  const scope = scopeOf(options, kubeconfig.getCurrentContext());
  let causes: RankedCause[];
  let shown: string;
  // No cause, or none with confidence: the evidence read is shown, as the action's comment does.
  let unsure: boolean;
  try {
    // No incident record here: the namespace read must be opted in or named by the config.
    const policy = await readPolicy(client, config, []);
    if (!policy.may(options.namespace))
      throw new UsageError(`${PREFIX}: not diagnosed: ${policy.why(options.namespace)}.`);
    const evidence = await collectEvidence(
      client,
      scope,
      config.playbooks.argocd.namespace,
      policy.may,
    );
    causes = rankCauses(evidence);
    shown = summary(evidence);
    unsure = (causes[0]?.confidence ?? 0) <= UNSURE_AT_OR_BELOW;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // The API server's own words (`403 Forbidden: ... cannot list ...`), one line.
    throw new UsageError(
      `${PREFIX}: the cluster could not be read: ${redact(apiErrorLine(error))}${/^403\b/.test(apiErrorLine(error)) ? '; grant the reads of deploy/rbac/kubemend-diagnose.yaml' : ''}.`,
    );
  }
  io.stdout(
    options.json
      ? `${JSON.stringify(redactDeep({ causes: causes.map(present) }), null, 2)}\n`
      : redact(humanOutput(scope, causes, unsure ? shown : '', client.stats.total)),
  );
  return 0;
}

/** The JSON the issue promises: the knowledge base's id, best first. */
function present(cause: RankedCause) {
  return {
    id: cause.id,
    title: cause.title,
    confidence: cause.confidence,
    evidence: cause.evidence,
    refuted: cause.against,
    verify: cause.verify,
    fix: cause.fix,
  };
}

function humanOutput(
  scope: DiagnosisScope,
  causes: RankedCause[],
  /** The evidence read, shown when no cause fits or none fits with confidence. */
  shown: string,
  requests: number,
): string {
  const target = scope.workload
    ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}`
    : scope.pods[0]
      ? `pod/${scope.pods[0]}`
      : `node/${scope.nodes[0] ?? ''}`;
  const out = [`Context ${scope.cluster}, namespace ${scope.namespace ?? ''}, ${target}:`, ''];
  const indent = (lines: string[]) => lines.map((l) => `     ${l}`);
  if (causes.length === 0)
    out.push('No cause found; the evidence read:', ...indent(shown.split('\n')), '');
  else if (shown)
    out.push(
      'Not sure: no cause fits with confidence; the ranking is a guess. The evidence read:',
      ...indent(shown.split('\n')),
      '',
    );
  causes.forEach((c, i) => {
    out.push(`${i + 1}. ${c.title} [${c.id}], confidence ${c.confidence.toFixed(2)}`);
    out.push('   evidence:', ...indent(c.evidence));
    if (c.against.length) out.push('   refuted by:', ...indent(c.against));
    out.push('   verify:', ...indent(c.verify));
    const playbook = c.fix.playbook
      ? ` (kubemend: the ${c.fix.playbook.name} playbook, mode ${c.fix.playbook.mode})`
      : '';
    out.push(`   fix: ${c.fix.text}${playbook}`, '');
  });
  out.push(`Read-only: ${requests} Kubernetes request(s), nothing written.`);
  return `${out.join('\n')}\n`;
}
