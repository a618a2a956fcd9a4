// The config schema: kubemend's own validator tells every problem, each in one line, agrees with
// Ajv (a JSON Schema implementation nobody here wrote) on every document, and accepts
// the examples of the README and docs/ and the built-in rules.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import { checkConfig, parseConfig } from '../../src/config/config.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';
import { SchemaValidator } from '../../src/config/validate.js';
import { BUILTIN_RULES } from '../../src/triage/builtin-rules.js';
import { userPatternProblem } from '../../src/triage/pattern.js';
import { patternsOf } from '../../src/triage/rule-spec.js';
import { repoRoot } from '../../src/rehearse/action.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const ajvValidate = ajv.compile(CONFIG_SCHEMA);
const ours = new SchemaValidator(CONFIG_SCHEMA);
const fail = (yaml: string) => () => parseConfig(yaml, '.github/kubemend.yml');

/** The YAML blocks of the README and docs/ that are kubemend config files, by file. */
function documentedConfigs(): { file: string; text: string }[] {
  const files = [
    'README.md',
    ...readdirSync(join(repoRoot, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  return files.flatMap((file) =>
    [
      ...readFileSync(join(repoRoot, file), 'utf8').matchAll(
        /```yaml\n# \.github\/kubemend\.yml\n([\s\S]*?)```/g,
      ),
    ].map((m) => ({ file, text: m[1] ?? '' })),
  );
}

describe('the config schema', () => {
  it('is JSON Schema 2020-12 that Ajv compiles in strict mode', () => {
    expect(CONFIG_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof ajvValidate).toBe('function');
  });

  it('validates every config example in the README and docs/', () => {
    const examples = documentedConfigs();
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const { file, text } of examples) {
      expect([file, ajvValidate(load(text))]).toEqual([file, true]);
      expect(() => parseConfig(text, file)).not.toThrow();
    }
  });

  it('accepts every built-in rule as a user rule, but the three whose lookahead RE2 refuses', () => {
    const doc = { triage: { rules: BUILTIN_RULES } };
    expect(ajvValidate(doc)).toBe(true);
    expect(ours.validate(doc)).toEqual([]);
    const refused = BUILTIN_RULES.filter((rule) =>
      [rule.match, rule.unless ?? {}].some((m) =>
        patternsOf(m).some(({ source }) => userPatternProblem(source)),
      ),
    );
    expect(refused.map((rule) => rule.name)).toEqual([
      'crash-loop/exit-code',
      'storage/message',
      'scheduling/message',
    ]);
  });

  it('refuses a user pattern RE2 cannot run, in one line naming the key, and takes nested quantifiers', () => {
    const rules = (match: string) =>
      `triage:\n  rules:\n    - { name: a, match: { reason: x }, category: oom }\n    - { name: b, ${match}, category: oom }\n`;
    expect(fail(rules("match: { message: 'OOM(?!Killed)' }"))).toThrow(
      /^Config \.github\/kubemend\.yml: 'triage\.rules\[1\]\.match\.message' is "OOM\(\?!Killed\)"; allowed: RE2 syntax: no lookaround or backreferences \(invalid or unsupported Perl syntax: `\(\?!`\)\.$/,
    );
    expect(
      fail(rules("match: { reason: x }, unless: { labels: { app.kubernetes.io/name: '(a)\\1' } }")),
    ).toThrow(
      /^Config \.github\/kubemend\.yml: 'triage\.rules\[1\]\.unless\.labels\.app\.kubernetes\.io\/name' is "\(a\)\\\\1"; allowed: RE2 syntax: no lookaround or backreferences \(invalid escape sequence: `\\1`\)\.$/,
    );
    expect(fail(rules("match: { message: '(?<=pod )api' }"))).toThrow(
      /'triage\.rules\[1\]\.match\.message' is .*; allowed: RE2 syntax: no lookaround or backreferences/,
    );
    const nested = parseConfig(rules(String.raw`match: { message: '^(\w+\s?)*$' }`), 'k.yml');
    expect(nested.triage.rules[1]!.match.message).toBe(String.raw`^(\w+\s?)*$`);
  });

  it('rejects a misspelt key with a suggestion and the allowed keys', () => {
    expect(fail('triage:\n  rule: []\n')).toThrow(
      "Config .github/kubemend.yml: 'triage.rule' is not a known key; did you mean 'rules'? Allowed: min-confidence, builtin-rules, rules.",
    );
    expect(fail('playbok: {}\n')).toThrow(
      /'playbok' is not a known key; did you mean 'playbooks'\?/,
    );
  });

  it('names the key, the value and what is allowed, with a suggestion for a misspelt value', () => {
    expect(
      fail('triage:\n  rules:\n    - { name: r, match: { reason: x }, category: imagepull }\n'),
    ).toThrow(
      `Config .github/kubemend.yml: 'triage.rules[0].category' is "imagepull"; did you mean 'image-pull'? Allowed: one of image-pull, crash-loop, oom, argocd, flux, storage, scheduling, node, probe, certificate, workload, unknown.`,
    );
    expect(fail('playbooks:\n  oom: { mode: automatic }\n')).toThrow(
      /'playbooks\.oom\.mode' is "automatic"; allowed: one of off, notify, dry-run, propose, approve, auto\.$/,
    );
    expect(fail('triage: { min-confidence: 2 }')).toThrow(
      "'triage.min-confidence' is 2; allowed: a number from 0 to 1.",
    );
    expect(fail('intake: { stable-window: 10 }')).toThrow(
      "'intake.stable-window' is 10; allowed: a duration: a whole number of seconds, minutes or hours, such as 90s, 10m or 2h (at most 24h).",
    );
    expect(
      fail(
        "triage:\n  rules:\n    - { name: r, match: { message: '(unclosed' }, category: oom }\n",
      ),
    ).toThrow(
      '\'triage.rules[0].match.message\' is "(unclosed"; allowed: RE2 syntax: no lookaround or backreferences (missing closing ): `(unclosed`).',
    );
    expect(fail('triage:\n  rules:\n    - { name: r, category: oom }\n')).toThrow(
      "'triage.rules[0].match' is missing; allowed: a mapping with source, kind, labels, annotations, reason, message, status, exit-code.",
    );
    expect(fail('intake: { group-by: [title] }')).toThrow(
      /'intake\.group-by' is \["title"\]; allowed: a non-empty list, each one of cluster, title, namespace, workload, name, including 'cluster'\./,
    );
  });

  it('tells every problem of a document, each in one line, the first being what parseConfig throws', () => {
    const text = [
      'playbooks:',
      '  oom: { mode: aprove }',
      'guardrails:',
      '  cooldown: 48h',
      '  rate-limt: 5',
      'triage:',
      '  rules:',
      "    - { name: r, match: { message: 'OOM(?!Killed)' }, category: oom }",
      '',
    ].join('\n');
    const { config, problems } = checkConfig(text, 'k.yml');
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      "Config k.yml: 'playbooks.oom.mode' is \"aprove\"; did you mean 'approve'? Allowed: one of off, notify, dry-run, propose, approve, auto.",
      expect.stringMatching(
        /^Config k\.yml: 'guardrails\.rate-limt' is not a known key; did you mean 'rate-limit'\? Allowed: opt-in-label, /,
      ),
      'Config k.yml: \'guardrails.cooldown\' is "48h"; allowed: a duration such as 90s, 10m or 2h, at most 24h.',
      expect.stringMatching(
        /^Config k\.yml: 'triage\.rules\[0\]\.match\.message' is "OOM\(\?!Killed\)"; allowed: RE2 syntax/,
      ),
    ]);
    expect(() => parseConfig(text, 'k.yml')).toThrow(problems[0]);
  });

  it('tells a problem in every entry of a list and every key of a mapping, not the first only', () => {
    const problems = ours.validate({
      intake: { labels: ['', 'ok', ''], 'max-incidents': 0 },
      clusters: { 'home lab': { server: 'x' } },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'intake.labels[0]',
      'intake.labels[2]',
      'intake.max-incidents',
      'clusters.home lab',
      'clusters.home lab',
      'clusters.home lab.server',
    ]);
  });

  it('reads the guardrails, the playbook options and the gitops paths into their settings', () => {
    const config = parseConfig(
      readFileSync(join(repoRoot, 'test/config/full.kubemend.yml'), 'utf8'),
      'full.kubemend.yml',
    );
    expect(config.guardrails).toEqual({
      optInLabel: 'example.com/automate',
      protectedNamespaces: ['kube-system', 'databases'],
      minHealthyNodes: 0.67,
      maxTargets: 3,
      rateLimit: 12,
      playbookRateLimit: 4,
      cooldownMs: 30 * 60_000,
      stormIncidents: 3,
      stormWindowMs: 20 * 60_000,
      recurrenceLimit: 3,
      recurrenceWindowMs: 12 * 3_600_000,
      ledgerNamespace: 'ops',
      concurrency: 4,
      verifyTimeoutMs: 10 * 60_000,
      verifyIntervalMs: 30_000,
    });
    expect(config.playbooks.oom).toEqual({ mode: 'auto', percent: 50, cap: '4Gi' });
    expect(config.playbooks.node).toEqual({ mode: 'auto', drain: true, uncordon: true });
    expect(config.playbooks['crash-loop']).toEqual({ mode: 'approve', rollback: true });
    expect(config.playbooks.argocd).toEqual({ mode: 'auto', namespace: 'gitops', prune: true });
    expect(config.playbooks.storage).toEqual({
      mode: 'notify',
      longhornNamespace: 'storage',
      restartManager: false,
      removePvcFinalizers: true,
    });
    expect(config.playbooks['image-pull'].mirrors).toEqual({
      'docker.io': 'registry.homelab.internal:5000/dockerhub',
    });
    expect(config.gitops.paths).toEqual(['clusters/homelab', 'apps']);
    expect(config.report).toEqual({ merge: 'rebase', closeIssues: false });
    expect(config.commands).toEqual({ users: ['oncall-bot-owner'], teams: ['acme/sre'] });
  });

  it('refuses guardrail values out of range, naming the key and what is allowed', () => {
    expect(() => parseConfig('guardrails:\n  min-healthy-nodes: 120%\n', 'k.yml')).toThrow(
      /guardrails\.min-healthy-nodes/,
    );
    expect(() => parseConfig('guardrails:\n  cooldown: 48h\n', 'k.yml')).toThrow(
      /^Config k\.yml: 'guardrails\.cooldown' is "48h"; allowed: a duration such as 90s, 10m or 2h, at most 24h\.$/,
    );
    expect(() => parseConfig('gitops:\n  paths: [../outside]\n', 'k.yml')).toThrow(/gitops\.paths/);
    expect(() => parseConfig('playbooks:\n  oom: { increase: 500% }\n', 'k.yml')).toThrow(
      /playbooks\.oom\.increase/,
    );
  });

  it('reads a missing, empty or comment-only file as the defaults', () => {
    for (const text of ['', '\n\n', '# nothing yet\n', '---\n', '---\n# still nothing\n...\n']) {
      const config = parseConfig(text, 'x');
      expect(config.playbooks['image-pull'].mode).toBe('dry-run');
      expect(config.playbooks.oom.mode).toBe('propose');
      expect(config.triage.rules).toEqual([]);
    }
  });

  // Each document is judged by both validators: they must agree, valid or not.
  const documents: [string, unknown][] = [
    ['empty', {}],
    ['full', load(readFileSync(join(repoRoot, 'test/config/full.kubemend.yml'), 'utf8'))],
    ['unknown section', { triagee: {} }],
    ['bad type', { intake: { 'max-incidents': '10' } }],
    ['float where integer', { intake: { 'max-incidents': 2.5 } }],
    ['below minimum', { intake: { 'max-incidents': 0 } }],
    ['group-by without cluster', { intake: { 'group-by': ['title'] } }],
    ['group-by repeated', { intake: { 'group-by': ['cluster', 'cluster'] } }],
    ['bad duration', { intake: { 'stable-window': '10 minutes' } }],
    ['label with a control character', { intake: { labels: ['a\u0007b'] } }],
    ['label with a C1 control character', { intake: { labels: ['a\u0085'] } }],
    ['blank label', { intake: { labels: ['   '] } }],
    ['rule without category', { triage: { rules: [{ name: 'x', match: { reason: 'a' } }] } }],
    ['rule with empty match', { triage: { rules: [{ name: 'x', match: {}, category: 'oom' }] } }],
    [
      'rule with unknown matcher',
      { triage: { rules: [{ name: 'x', match: { text: 'a' }, category: 'oom' }] } },
    ],
    [
      'rule with bad name',
      { triage: { rules: [{ name: 'Has Spaces', match: { reason: 'a' }, category: 'oom' }] } },
    ],
    [
      'rule with bad label name',
      { triage: { rules: [{ name: 'x', match: { labels: { 'a b': 'c' } }, category: 'oom' }] } },
    ],
    [
      'confidence above 1',
      {
        triage: {
          rules: [{ name: 'x', match: { reason: 'a' }, category: 'oom', confidence: 1.5 }],
        },
      },
    ],
    ['unknown playbook', { playbooks: { restart: { mode: 'auto' } } }],
    ['playbook option unknown', { playbooks: { oom: { mode: 'auto', percent: 10 } } }],
    ['boolean as string', { triage: { 'builtin-rules': 'false' } }],
    ['cluster with one signal', { clusters: { homelab: { server: 'https://10.0.0.1:6443' } } }],
    [
      'cluster with a bad uid',
      { clusters: { homelab: { server: 'https://a', 'kube-system-uid': 'abc' } } },
    ],
    [
      'cluster with a short fingerprint',
      { clusters: { homelab: { server: 'https://a', 'ca-sha256': 'AB:CD' } } },
    ],
    [
      'cluster name with a space',
      { clusters: { 'home lab': { server: 'https://a', 'ca-sha256': 'ab'.repeat(32) } } },
    ],
  ];

  it('has a full example that both find valid, so agreement is not agreement on failure', () => {
    const full = documents[1]![1];
    expect(ajvValidate(full)).toBe(true);
    expect(ours.validate(full)).toEqual([]);
    expect(documents.slice(2).every(([, doc]) => !ajvValidate(doc))).toBe(true);
  });

  it.each(documents)('agrees with Ajv on: %s', (_name, doc) => {
    const ajvSays = ajvValidate(doc);
    expect(ours.validate(doc).length === 0).toBe(ajvSays);
  });

  it('refuses a schema keyword it does not implement, so the schema cannot outgrow it', () => {
    expect(() => new SchemaValidator({ type: 'object', oneOf: [] })).toThrow(
      /unsupported keyword 'oneOf'/,
    );
  });
});
