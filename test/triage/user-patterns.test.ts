// A user's rule patterns run on RE2: nested quantifiers that make V8 backtrack for ever
// finish on a long message, and the rules still fire where they should, case-insensitive,
// unanchored, across Unicode. (On V8 the first test does not fail: it never ends.)
import { normalisePayload } from '../../src/alerts/shapes.js';
import { parseConfig } from '../../src/config/config.js';
import { MAX_MATCH_TEXT } from '../../src/triage/pattern.js';
import { triageAlerts, triagePayload } from '../../src/triage/triage.js';

const config = (yaml: string) => parseConfig(yaml, '.github/kubemend.yml');

/** Patterns each of which backtracks exponentially in V8 on a long run of word characters. */
const EVIL_PATTERNS = [
  String.raw`^(\w+\s?)*$`,
  '(a+)+$',
  '^(a|aa)+$',
  String.raw`^(\w|\d)+$`,
  '^([a-z]+)*[0-9]$',
  '(x+x+)+y',
];

const evilRules = (category: string) =>
  `triage:\n  rules:\n${EVIL_PATTERNS.map(
    (p, i) => `    - { name: evil-${i}, match: { message: '${p}' }, category: ${category} }\n`,
  ).join('')}`;

/** A kubelet event as a watcher relays it. */
const event = (message: string, reason = 'Failed') => ({
  event: { type: 'Warning', reason, message },
  involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
});

describe("a user's patterns", () => {
  it('with nested quantifiers finish on a 10 kB message, and fire on none of it', () => {
    // 10 kB of word characters and one that breaks the match: the worst case for backtracking.
    const long = `${'a'.repeat(10_239)}!`;
    const [alert] = normalisePayload(event('x'), { cluster: 'prod' });
    // Past normalisation (which keeps 4,000 characters), as a caller of the engine could;
    // the engine cuts it to 8,000 with a closing `…`, still far past what V8 can backtrack.
    const { incidents } = triageAlerts([{ ...alert!, message: long }], config(evilRules('node')));
    expect(incidents[0]!.categories.map((c) => c.name)).not.toContain('node');
  });

  it('with nested quantifiers still fire on text they match', () => {
    const { incidents } = triagePayload(event('Readiness probe failed'), {
      cluster: 'prod',
      config: config(evilRules('node')),
    });
    const node = incidents[0]!.categories.find((c) => c.name === 'node');
    expect(node?.evidence[0]).toMatchObject({
      rule: 'evil-0',
      path: 'event.message',
      match: 'Readiness probe failed',
    });
  });

  it('match case-insensitively anywhere in the text, across Unicode, and honour unless', () => {
    const { incidents } = triagePayload(
      event('😀 pod api: ÉCHEC du montage du volume « données »; Ωmega'),
      {
        cluster: 'prod',
        config: config(`
triage:
  rules:
    - { name: accents, match: { message: 'échec DU montage' }, category: storage, confidence: 0.99 }
    - { name: greek, match: { message: '\\pL+mega$' }, category: node, confidence: 0.8 }
    - { name: muted, match: { message: 'volume' }, unless: { message: 'DONNÉES' }, category: oom }
`),
      },
    );
    const [incident] = incidents;
    expect(incident!.categories.map((c) => c.name)).toEqual(['storage', 'node']);
    expect(incident!.categories[0]!.evidence[0]).toMatchObject({
      rule: 'accents',
      match: 'ÉCHEC du montage',
    });
    expect(incident!.categories[1]!.evidence[0]).toMatchObject({ rule: 'greek', match: 'Ωmega' });
  });

  it(`read at most ${MAX_MATCH_TEXT} characters of a fact`, () => {
    const [alert] = normalisePayload(event('x'), { cluster: 'prod' });
    const rules = config(
      "triage:\n  rules:\n    - { name: tail, match: { message: 'needle' }, category: node }\n",
    );
    const at = (offset: number) => ({ ...alert!, message: `${'.'.repeat(offset)}needle` });
    const names = (offset: number) =>
      triageAlerts([at(offset)], rules).incidents[0]!.categories.map((c) => c.name);
    expect(names(MAX_MATCH_TEXT - 'needle'.length)).toContain('node');
    expect(names(MAX_MATCH_TEXT - 'needle'.length + 1)).not.toContain('node');
  });
});
