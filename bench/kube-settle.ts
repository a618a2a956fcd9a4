// What the simulated cluster costs per simulated minute: each shipped scenario loaded
// (its settle time) and run ten simulated minutes more, in process, BENCH_RUNS times.
// Prints the median CPU milliseconds per scenario and the simulated seconds one CPU
// second buys; the bundled-action tests run the clock 60 times faster than the wall, so
// a scenario below 1,000 simulated s per CPU s costs them a whole core. Compare a change
// by running this on both commits. Run: npm run bench:kube-settle
import { loadScenario, scenarioNames, settleSeconds } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EXTRA_MS = 600_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function once(name: string): { cpuMs: number; simulatedS: number } {
  const kube = new KubeEmulator({ cluster: 'bench', clockStart: Date.UTC(2026, 0, 1) });
  const start = process.cpuUsage();
  const scenario = loadScenario(kube, name);
  kube.advance(EXTRA_MS);
  const used = process.cpuUsage(start);
  return {
    cpuMs: (used.user + used.system) / 1000,
    simulatedS: settleSeconds(scenario) + EXTRA_MS / 1000,
  };
}

let total = 0;
console.log(`scenario settle + 10 simulated minutes, median of ${RUNS} runs (CPU time)`);
for (const name of scenarioNames()) {
  once(name); // warm-up: the first run pays for compiling the simulator
  const runs = Array.from({ length: RUNS }, () => once(name));
  const cpuMs = median(runs.map((r) => r.cpuMs));
  total += cpuMs;
  const rate = runs[0]!.simulatedS / (cpuMs / 1000);
  console.log(
    `${name.padEnd(24)} ${cpuMs.toFixed(0).padStart(6)} ms  ${rate.toFixed(0).padStart(7)} simulated s per CPU s`,
  );
}
console.log(`${'all'.padEnd(24)} ${total.toFixed(0).padStart(6)} ms`);
