// The cluster doctor's accuracy on the corpus (test/diagnose/corpus/*.yaml): each broken
// cluster played on the emulator, diagnosed through the real client, and judged by where
// the cause a person would name first ranks. Prints top-1 and top-3 accuracy, per cause,
// and every miss with what was ranked instead. `none` cases (nothing broken) count as
// right only when no cause is ranked at all: a confident wrong answer is a miss.
//
//   npm run bench:diagnose-accuracy            (all)
//   npm run bench:diagnose-accuracy -- dns     (the cases whose file name contains "dns")
import { diagnoseCase, loadCorpus, rankOf } from '../test/diagnose/corpus.js';

const only = process.argv[2];
const cases = loadCorpus().filter((c) => !only || c.name.includes(only));
const byCause = new Map<string, { n: number; top1: number; top3: number }>();
const misses: string[] = [];
let top1 = 0;
let top3 = 0;
const started = performance.now();
for (const c of cases) {
  const ranked = await diagnoseCase(c);
  const rank = rankOf(c, ranked);
  const t = byCause.get(c.cause) ?? { n: 0, top1: 0, top3: 0 };
  byCause.set(c.cause, t);
  t.n++;
  if (rank === 1) {
    top1++;
    t.top1++;
  }
  if (rank >= 1 && rank <= 3) {
    top3++;
    t.top3++;
  }
  if (rank !== 1)
    misses.push(
      `${c.name}: expected ${c.cause}${rank ? ` (ranked ${rank})` : ' (not ranked)'}; ranked: ${ranked.map((r) => `${r.id} ${r.confidence.toFixed(2)}`).join(', ') || 'nothing'}`,
    );
}
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;
console.log(`diagnose accuracy: ${cases.length} cases, ${byCause.size} causes`);
console.log(`  top-1 ${top1}/${cases.length} = ${pct(top1, cases.length)}`);
console.log(`  top-3 ${top3}/${cases.length} = ${pct(top3, cases.length)}`);
console.log('');
console.log('cause                         n  top-1  top-3');
for (const [cause, t] of [...byCause].sort(([a], [b]) => a.localeCompare(b)))
  console.log(
    `${cause.padEnd(28)} ${String(t.n).padStart(2)}  ${String(t.top1).padStart(5)}  ${String(t.top3).padStart(5)}`,
  );
console.log('');
console.log(misses.length ? `misses:\n  ${misses.join('\n  ')}` : 'misses: none');
console.log(`\n${((performance.now() - started) / 1000).toFixed(1)} s`);
