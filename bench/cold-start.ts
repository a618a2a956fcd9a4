// Cold start of each bundled action, as the runner starts it: `node dist/<a>/index.js`
// with INPUT_* variables, timed from spawn to its first outbound request (to a
// loopback server standing in for GitHub and the API server), or to its exit when it
// makes none. A bare Node start that makes one request is the baseline, measured
// in the same run. Also prints the size of dist/. Run: npm run bench:cold-start
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const temp = mkdtempSync(join(tmpdir(), 'kubemend-bench-'));

let onRequest: (() => void) | undefined;
const server = createServer((request, response) => {
  onRequest?.();
  response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  `clusters: [{name: c, cluster: {server: '${url}', insecure-skip-tls-verify: true}}]`,
  'users: [{name: u, user: {token: bench-token}}]',
  'contexts: [{name: bench, context: {cluster: c, user: u}}]',
  'current-context: bench',
].join('\n');
const eventPath = join(temp, 'event.json');
writeFileSync(
  eventPath,
  JSON.stringify({
    action: 'alert',
    client_payload: { title: 'KubePodCrashLooping', cluster: 'bench' },
  }),
);

const inputs: Record<string, Record<string, string>> = {
  intake: { 'github-token': 'ghs_bench', mode: 'pr' },
  triage: { alerts: '[]', config: '.github/kubemend.yml' },
  report: { 'github-token': 'ghs_bench', 'incident-number': '1' },
  remediate: {
    kubeconfig,
    playbook: 'oom',
    targets: '{"playbook":"oom"}',
    'github-token': 'ghs_bench',
  },
  diagnose: { kubeconfig, 'github-token': 'ghs_bench', 'issue-number': '1' },
};

const baseline = join(temp, 'baseline.mjs');
writeFileSync(baseline, `await fetch(${JSON.stringify(url)}).catch(() => {});\n`);

interface Sample {
  ms: number;
  by: 'request' | 'exit';
}

function once(file: string, env: Record<string, string>): Promise<Sample> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    let sample: Sample | undefined;
    const child = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    // The first request is the measure; the child is then stopped, so a request it would
    // send later (a retry) cannot be taken for the next child's first.
    onRequest = () => {
      if (sample) return;
      sample = { ms: Number(process.hrtime.bigint() - started) / 1e6, by: 'request' };
      child.kill('SIGKILL');
    };
    child.on('error', fail);
    child.on('exit', () => {
      onRequest = undefined;
      done(sample ?? { ms: Number(process.hrtime.bigint() - started) / 1e6, by: 'exit' });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const actions = Object.keys(inputs);
const samples = new Map<string, Sample[]>([
  ['baseline', []],
  ...actions.map((a): [string, Sample[]] => [a, []]),
]);
const runnerEnv = {
  GITHUB_ACTIONS: 'true',
  GITHUB_API_URL: url,
  GITHUB_REPOSITORY: 'octo-org/gitops',
  GITHUB_EVENT_NAME: 'repository_dispatch',
  GITHUB_EVENT_PATH: eventPath,
  RUNNER_TEMP: temp,
};
// Interleaved rounds, so a slow moment of the machine spreads over every action alike.
for (let round = -2; round < runs; round++) {
  for (const name of samples.keys()) {
    const sample =
      name === 'baseline'
        ? await once(baseline, {})
        : await once(join(root, 'dist', name, 'index.js'), {
            ...runnerEnv,
            ...Object.fromEntries(
              Object.entries(inputs[name]!).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
            ),
          });
    if (round >= 0) samples.get(name)!.push(sample);
  }
}
server.close();

const budget: Record<string, number> = {
  intake: 120,
  triage: 120,
  report: 120,
  remediate: 200,
  diagnose: 200,
};
const base = median(samples.get('baseline')!.map((s) => s.ms));
console.log(
  `cold start on Node ${process.versions.node}, median of ${runs} runs each (after 2 warm-up rounds)`,
);
console.log('action      median ms  ratio to baseline  budget ms  measured to');
for (const [name, list] of samples) {
  const ms = median(list.map((s) => s.ms));
  const by = [
    ...new Set(list.map((s) => (s.by === 'request' ? 'first request' : 'exit, no request made'))),
  ].join(' / ');
  console.log(
    `${name.padEnd(10)} ${ms.toFixed(1).padStart(10)} ${(ms / base).toFixed(2).padStart(18)}x ${String(budget[name] ?? '-').padStart(10)}  ${name === 'baseline' ? 'node + one fetch' : by}`,
  );
}

const files: [string, number][] = [];
const walk = (dir: string): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else files.push([relative(root, path), statSync(path).size]);
  }
};
walk(join(root, 'dist'));
const total = files.reduce((sum, [, size]) => sum + size, 0);
console.log(`\ndist/: ${(total / 1e6).toFixed(2)} MB in ${files.length} files (budget 8 MB)`);
for (const [path, size] of files.sort((a, b) => b[1] - a[1]).slice(0, 5)) {
  console.log(`  ${path.padEnd(28)} ${(size / 1e3).toFixed(1).padStart(8)} kB`);
}
