// User rules with catastrophic-backtracking patterns, through the real triage engine.
//
// Each case triages one alert whose event message is 10 kB (past normalisation, which
// keeps 4,000 characters, as a caller of the engine could; the engine reads 8,000 of it)
// with the built-in rules plus one user rule. The time is the median of RUNS runs; the
// ratio is against a baseline in the same process: the same alert with a trivial user
// rule. For scale, the same patterns on V8's RegExp time out at a few dozen characters.
// Run: npm run bench:triage-regex
import { performance } from 'node:perf_hooks';
import { normalisePayload } from '../src/alerts/shapes.js';
import type { Alert } from '../src/alerts/model.js';
import { parseConfig } from '../src/config/config.js';
import { engineFor, triageAlerts } from '../src/triage/triage.js';

const RUNS = Number(process.env.RUNS ?? 15);
const SIZE = 10_240;

const EVIL = [
  String.raw`^(\w+\s?)*$`,
  '(a+)+$',
  '^(a|aa)+$',
  String.raw`^(\w|\d)+$`,
  '^([a-z]+)*[0-9]$',
  '(.*a){20}!x',
  '(x+x+)+y',
];

/**
 * Word characters with one at the end that breaks the match, the worst case for
 * backtracking; and one that `(x+x+)+y` matches, to time a match and its evidence too.
 */
const MESSAGES: Record<string, string> = {
  'a…a!': `${'a'.repeat(SIZE - 1)}!`,
  'word word … word!': `${'word '.repeat(SIZE / 5 - 1)}word!`,
  'x…xy word word …': `${'x'.repeat(4_000)}y${' word'.repeat(1_248)}`,
};

const [template] = normalisePayload(
  {
    event: { type: 'Warning', reason: 'Failed', message: 'x' },
    involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  },
  { cluster: 'bench' },
);
const alertWith = (message: string): Alert => ({ ...template!, message });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Median ms to triage the alert with the built-in rules and one user rule of this pattern. */
function time(pattern: string, alert: Alert): { ms: number; categories: string } {
  const config = parseConfig(
    `triage:\n  rules:\n    - { name: mine, match: { message: '${pattern.replaceAll("'", "''")}' }, category: node }\n`,
    'bench.yml',
  );
  const engine = engineFor(config.triage);
  const samples: number[] = [];
  let categories = '';
  for (let i = 0; i < RUNS + 2; i++) {
    const start = performance.now();
    const { incidents } = triageAlerts([alert], config, engine);
    const ms = performance.now() - start;
    // Two warm-up runs, not counted.
    if (i >= 2) samples.push(ms);
    categories = incidents[0]!.categories.map((c) => c.name).join(',');
  }
  return { ms: median(samples), categories };
}

console.log(
  `triage of one alert with a ${SIZE / 1024} kB message, built-in rules plus one user rule; median of ${RUNS} runs on Node ${process.versions.node}`,
);
// Warms the engine up as a whole, so the first case measured is not the one that pays for it.
time('needle', alertWith(MESSAGES['a…a!']!));
for (const [name, message] of Object.entries(MESSAGES)) {
  const alert = alertWith(message);
  const baseline = time('needle', alert);
  console.log(`\nmessage ${name}`);
  console.log('user rule                       median ms   ratio   categories');
  const row = (label: string, result: { ms: number; categories: string }) =>
    console.log(
      `${label.padEnd(30)} ${result.ms.toFixed(2).padStart(10)} ${(result.ms / baseline.ms).toFixed(1).padStart(7)}   ${result.categories}`,
    );
  row('needle (baseline)', baseline);
  for (const pattern of EVIL) row(pattern, time(pattern, alert));
}

// For scale: V8's backtracking on the first pattern, on messages a few dozen characters long.
console.log(`\nV8 RegExp ${EVIL[0]} (flags iu) on n word characters and a '!', one run each`);
for (const n of [16, 18, 20, 22, 24]) {
  const start = performance.now();
  new RegExp(EVIL[0]!, 'iu').exec(`${'a'.repeat(n)}!`);
  console.log(`  n=${n}  ${(performance.now() - start).toFixed(1)} ms`);
}
