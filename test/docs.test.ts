// The documentation says what the repository holds: the schema file is what the config's
// source generates now, the config reference is what the schema renders now, every
// relative link reaches a file (and a heading), the action and workflow references list
// exactly what their metadata declares, and nothing points at files outside the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { load } from 'js-yaml';
import { CONFIG_DOCS_PATH, SCHEMA_PATH, configDocs } from '../scripts/config-docs.js';
import { configSchemaFile } from '../scripts/config-schema.js';
import { repoRoot } from '../src/rehearse/action.js';

/** The repository's files as git sees them: tracked, plus new files not ignored. */
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => path !== '' && existsSync(join(repoRoot, path)));
const markdown = files.filter((path) => path.endsWith('.md'));
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

/** Markdown outside fenced code blocks, where links and headings mean something. */
function prose(text: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) lines.push(line);
  }
  return lines;
}

/** GitHub's heading anchors: lower-cased, punctuation dropped, spaces to dashes, repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const plain = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Inline links and images outside code: `[text](target)`. */
function links(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    const code = line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    for (const m of code.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      targets.push(m[1]!);
  }
  return targets;
}

/** Why a relative link from `file` does not resolve, or undefined when it does. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:
  const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
  const absolute = path === '' ? join(repoRoot, file) : resolve(repoRoot, dirname(file), path);
  const inside = relative(repoRoot, absolute);
  if (inside.startsWith('..') || inside.startsWith(sep)) return 'points outside the repository';
  if (!existsSync(absolute)) return 'no such file';
  if (anchor === undefined || !absolute.endsWith('.md') || statSync(absolute).isDirectory())
    return undefined;
  const anchors = headingAnchors(readFileSync(absolute, 'utf8'));
  return anchors.has(decodeURIComponent(anchor).toLowerCase())
    ? undefined
    : `no heading with anchor #${anchor}`;
}

describe('the config reference', () => {
  it('schema/kubemend.schema.json is what src/config/schema.ts generates now', async () => {
    const expected = await configSchemaFile(repoRoot);
    if (read(SCHEMA_PATH) !== expected)
      throw new Error(
        `${SCHEMA_PATH} is stale: it differs from what src/config/schema.ts generates. Run \`npm run schema:config\`, then \`npm run docs:config\`, and commit both.`,
      );
  });

  it('docs/config.md is what the schema renders now', async () => {
    const expected = await configDocs(repoRoot);
    const actual = read(CONFIG_DOCS_PATH);
    if (actual !== expected)
      throw new Error(
        `${CONFIG_DOCS_PATH} is stale: it differs from what schema/kubemend.schema.json renders. Run \`npm run docs:config\` and commit it.`,
      );
  });

  it('documents every key the schema allows, nested keys included', async () => {
    const text = await configDocs(repoRoot);
    for (const key of [
      'intake.group-by',
      'triage.rules[].match.exit-code',
      'playbooks.oom.max-memory',
      'guardrails.verify-interval',
      'clusters.<name>.kube-system-uid',
      'report.close-issues',
    ])
      expect([key, text.includes(`\`${key}\``)]).toEqual([key, true]);
  });
});

describe('links in the documentation', () => {
  it('finds the Markdown files it checks, the README and docs/ among them', () => {
    expect(markdown).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', CONFIG_DOCS_PATH]),
    );
  });

  it('reads headings as GitHub anchors them', () => {
    const anchors = headingAnchors(
      '# The `kubemend` CLI\n## all-in-one (root `action.yml`)\n```sh\n# not a heading\n```\n## Notes\n## Notes\n',
    );
    expect([...anchors]).toEqual([
      'the-kubemend-cli',
      'all-in-one-root-actionyml',
      'notes',
      'notes-1',
    ]);
  });

  it('every relative link in a Markdown file reaches a file, and its #anchor a heading', () => {
    const broken = markdown.flatMap((file) =>
      links(read(file))
        .map((target) => ({ target, problem: brokenLink(file, target) }))
        .filter(({ problem }) => problem !== undefined)
        .map(({ target, problem }) => `${file}: ${target}: ${problem}`),
    );
    expect(broken).toEqual([]);
  });

  it('every source, test or schema path the documentation and source comments name exists', () => {
    // A module moved without its docs leaves readers at a file that is not there
    // (placeholders such as NAME.yaml and globs are not paths).
    const named = /(?<![\w./-])((?:src|test|bench|scripts|schema)\/[\w./-]*\w)/g;
    const missing = files
      .filter((file) => file.endsWith('.md') || (file.startsWith('src/') && file.endsWith('.ts')))
      .flatMap((file) =>
        [...read(file).matchAll(named)]
          .map((m) => m[1] ?? '')
          .filter((path) => !/\*|[A-Z]{3,}/.test(path) && !existsSync(join(repoRoot, path)))
          .map((path) => `${file}: ${path}`),
      );
    expect(missing).toEqual([]);
  });

  it('no file mentions a design document outside the repository', () => {
    // Built from parts, so that this file does not mention them itself.
    const outside = ['design', 'md'].join('.');
    const sharedFolder = ['..', 'shared', ''].join('/');
    const mentions = files
      .filter((file) => !file.startsWith('dist/') && !/\.(png|jpg|gz|wasm)$/.test(file))
      .flatMap((file) => {
        const text = read(file);
        const found: string[] = [];
        if (text.includes(outside)) found.push(`${file}: ${outside}`);
        // Source files import ../shared/ modules; only prose and metadata must not name it.
        if (!/\.[cm]?[jt]s$/.test(file) && text.includes(sharedFolder))
          found.push(`${file}: ${sharedFolder}`);
        return found;
      });
    expect(mentions).toEqual([]);
  });
});

describe('the README', () => {
  const readme = read('README.md');

  it('shows the demo and the test command on its first screen, and stays short', () => {
    const firstScreen = readme.split('\n').slice(0, 30).join('\n');
    expect(firstScreen).toContain('npm ci && npm run demo');
    expect(firstScreen).toMatch(/^npm test$/m);
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('quotes the metrics example as the test keeps it rendered, word for word', () => {
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('## What ships'));
    const quoted = section
      .split('\n')
      .filter((line) => line.startsWith('> ') || line.startsWith('|'))
      .map((line) => line.replace(/^> /, ''));
    expect(quoted.length).toBeGreaterThanOrEqual(5);
    const example = read('docs/metrics-example.md');
    for (const line of quoted) expect(example).toContain(line);
  });
});

interface Declared {
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
  secrets?: Record<string, { required?: boolean }>;
  outputs?: Record<string, unknown>;
}

/** The rows of the first table under `### <title>` inside the `## <section>` of a doc. */
function tableRows(doc: string, section: string, title: string): string[][] {
  const lines = prose(doc);
  const start = lines.findIndex((line) => line === `## ${section}`);
  expect([section, start >= 0]).toEqual([section, true]);
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  const body = lines.slice(start, end < 0 ? undefined : end);
  const at = body.findIndex((line) => line === `### ${title}`);
  expect([section, title, at >= 0]).toEqual([section, title, true]);
  const rows: string[][] = [];
  for (const line of body.slice(at + 1)) {
    if (/^### /.test(line)) break;
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2); // the header and its rule
}

const shownDefault = (value: unknown): string =>
  value === undefined ? '' : String(value) === '' ? 'empty' : `\`${String(value)}\``;

function expectInputs(doc: string, section: string, declared: Declared): void {
  const rows = tableRows(doc, section, 'Inputs').map(([name, required, value]) => [
    name,
    required,
    value,
  ]);
  expect(rows).toEqual(
    Object.entries(declared.inputs ?? {}).map(([name, spec]) => [
      `\`${name}\``,
      spec.required ? 'yes' : 'no',
      shownDefault(spec.default),
    ]),
  );
}

function expectOutputs(doc: string, section: string, declared: Declared): void {
  expect(tableRows(doc, section, 'Outputs').map(([name]) => name)).toEqual(
    Object.keys(declared.outputs ?? {}).map((name) => `\`${name}\``),
  );
}

describe('the action and workflow references', () => {
  const actionsDoc = read('docs/actions.md');
  const metadata = (path: string): Declared => load(read(path)) as Declared;

  it.each([
    ['all-in-one (root `action.yml`)', 'action.yml'],
    ['intake', 'actions/intake/action.yml'],
    ['triage', 'actions/triage/action.yml'],
    ['remediate', 'actions/remediate/action.yml'],
    ['report', 'actions/report/action.yml'],
    ['diagnose', 'actions/diagnose/action.yml'],
    ['sweep', 'actions/sweep/action.yml'],
    ['metrics', 'actions/metrics/action.yml'],
  ])(
    'docs/actions.md lists the inputs (required, default) and outputs of %s as %s declares them',
    (section, path) => {
      const declared = metadata(path);
      expectInputs(actionsDoc, section, declared);
      expectOutputs(actionsDoc, section, declared);
    },
  );

  it('docs/actions.md has a usage block for every action', () => {
    const usages = [...actionsDoc.matchAll(/^\s*(?:- )?uses: (\S+)$/gm)].map((m) => m[1]!);
    for (const action of [
      'kubemend/kubemend',
      ...['intake', 'triage', 'remediate', 'report', 'diagnose', 'sweep', 'metrics'].map(
        (name) => `kubemend/actions/${name}`,
      ),
    ])
      expect([action, usages.some((uses) => uses.endsWith(`${action}@v0`))]).toEqual([
        action,
        true,
      ]);
  });

  it('docs/workflows.md lists the inputs, secrets and outputs the reusable workflow declares', () => {
    const doc = read('docs/workflows.md');
    const workflow = load(read('.github/workflows/kubemend.yml')) as {
      on: { workflow_call: Declared };
    };
    const declared = workflow.on.workflow_call;
    expectInputs(doc, 'The reusable workflow', declared);
    expectOutputs(doc, 'The reusable workflow', declared);
    expect(
      tableRows(doc, 'The reusable workflow', 'Secrets').map(([name, required]) => [
        name,
        required,
      ]),
    ).toEqual(
      Object.entries(declared.secrets ?? {}).map(([name, spec]) => [
        `\`${name}\``,
        spec.required ? 'yes' : 'no',
      ]),
    );
  });
});
