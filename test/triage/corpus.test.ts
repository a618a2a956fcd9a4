// Triage over the corpus of real wording: every case ranks its expected categories, in
// order, and finds its targets. The corpus itself is held to cover every category, every
// payload shape, groups, resolved notifications and root-cause-over-symptom cases.
import { CATEGORIES } from '../../src/triage/categories.js';
import { detectShape } from '../../src/alerts/shapes.js';
import { isObject } from '../../src/shared/json.js';
import {
  HOLDOUT_DISAGREEMENTS,
  judge,
  loadCorpus,
  loadHoldout,
  type CorpusCase,
} from './corpus.js';

const cases = loadCorpus();
const shapeOf = (c: CorpusCase) => detectShape(c.payload as Record<string, unknown>).source;

describe.each([...new Set(cases.map((c) => c.file))])('corpus %s', (file) => {
  it.each(cases.filter((c) => c.file === file).map((c) => [c.id, c] as const))(
    '%s ranks its expected categories first and finds its targets',
    (_id, c) => {
      const verdict = judge(c);
      expect(verdict.why).toBe('');
      // Every category it gives says why: a field path and text found at that path.
      for (const category of verdict.incident.categories) {
        expect(category.evidence.length).toBeGreaterThan(0);
        for (const e of category.evidence) expect(e.text).toContain(e.match);
      }
    },
  );
});

describe('the corpus itself', () => {
  it('has unique ids and a source for every case', () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) expect(c.source).toMatch(/^(https?:\/\/|[\w.-]+\/[\w.-]+)/);
  });

  it.each(CATEGORIES.map((c) => [c]))('has at least 4 cases whose root cause is %s', (category) => {
    expect(cases.filter((c) => c.expect[0] === category).length).toBeGreaterThanOrEqual(4);
  });

  it.each([['alertmanager'], ['argocd'], ['event'], ['generic'], ['flux']])(
    'has at least 10 %s payloads',
    (shape) => {
      expect(cases.filter((c) => shapeOf(c) === shape).length).toBeGreaterThanOrEqual(10);
    },
  );

  it('has groups of several alerts, resolved notifications and relay-nested payloads', () => {
    const alertsOf = (c: CorpusCase) => {
      const { body } = detectShape(c.payload as Record<string, unknown>);
      return Array.isArray(body.alerts) ? body.alerts : [];
    };
    expect(cases.filter((c) => alertsOf(c).length > 1).length).toBeGreaterThanOrEqual(5);
    const resolved = cases.filter((c) => judge(c).incident.status === 'resolved');
    expect(resolved.length).toBeGreaterThanOrEqual(10);
    const nested = cases.filter(
      (c) => detectShape(c.payload as Record<string, unknown>).path !== 'payload',
    );
    expect(nested.length).toBeGreaterThanOrEqual(3);
  });

  it('has root-cause-over-symptom cases: a cause ranked above a symptom it produces', () => {
    const pairs = cases
      .filter((c) => c.expect.length > 1)
      .map((c) => `${c.expect[0]}>${c.expect[1]}`);
    for (const pair of ['oom>crash-loop', 'image-pull>argocd', 'storage>scheduling'])
      expect(pairs).toContain(pair);
    expect(pairs.length).toBeGreaterThanOrEqual(15);
  });

  it('only holds payloads of the five shapes, as objects', () => {
    for (const c of cases) expect(isObject(c.payload)).toBe(true);
  });
});

describe('the held-out corpus (gathered after the rules, by someone who had read neither)', () => {
  const holdout = loadHoldout();

  it.each(holdout.filter((c) => !(c.id in HOLDOUT_DISAGREEMENTS)).map((c) => [c.id, c] as const))(
    '%s ranks its expected categories first and finds its targets',
    (_id, c) => {
      expect(judge(c).why).toBe('');
    },
  );

  it.each(Object.entries(HOLDOUT_DISAGREEMENTS))('%s still differs, on purpose: %s', (id) => {
    const c = holdout.find((x) => x.id === id);
    expect(c).toBeDefined();
    expect(judge(c!).ok).toBe(false);
  });
});
