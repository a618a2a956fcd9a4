// The accuracy corpus as a test: every broken cluster of test/diagnose/corpus/ played on
// the emulator, read through the real client, and the cause a person would name first
// must rank first (a healthy cluster: no cause at all). A change to a rule, a signal or
// the simulator that loses one fails here; bench/diagnose-accuracy prints the figures.
// A case the doctor misses today says why (`miss`): it must not be answered with
// confidence (nothing ranked, or a first reading at 0.5 or below), and when a change
// makes the doctor right, this test asks for the `miss` to go.
import { diagnoseCase, loadCorpus, rankOf } from './corpus.js';

const cases = loadCorpus();
const hits = cases.filter((c) => !c.miss);
const misses = cases.filter((c) => c.miss);

describe('the accuracy corpus', () => {
  it('holds at least 25 broken clusters, and one healthy one where no cause may be invented', () => {
    expect(cases.filter((c) => c.cause !== 'none').length).toBeGreaterThanOrEqual(25);
    expect(cases.some((c) => c.cause === 'none')).toBe(true);
  });

  it.each(hits.map((c) => [c.name, c.cause, c] as const))(
    '%s: ranks %s first, with its evidence',
    async (_name, cause, c) => {
      const ranked = await diagnoseCase(c);
      expect({ first: ranked[0]?.id ?? 'none', rank: rankOf(c, ranked) }).toEqual({
        first: cause,
        rank: 1,
      });
      for (const r of ranked) expect(r.evidence.length).toBeGreaterThan(0);
    },
  );

  it.each(misses.map((c) => [c.name, c] as const))(
    '%s: a known miss, answered without confidence',
    async (_name, c) => {
      const ranked = await diagnoseCase(c);
      expect(rankOf(c, ranked)).not.toBe(1);
      expect(ranked[0]?.confidence ?? 0).toBeLessThanOrEqual(0.5);
    },
  );
});
