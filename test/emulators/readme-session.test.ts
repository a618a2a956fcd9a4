import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';

// The README's curl session is run as written; its `# → ...` lines are the output it must print.
describe('the GitHub emulator README', () => {
  const readme = readFileSync(join(repoRoot, 'src/sim/README.md'), 'utf8');
  const session = /```sh\n(npm run --silent emulator:github[\s\S]*?)```/.exec(readme)?.[1] ?? '';

  it('has a standalone session', () => {
    expect(session).toContain('curl');
  });

  it('curl session against the standalone server works as written', () => {
    const expected = [
      'listening on http://127.0.0.1:8123',
      ...[...session.matchAll(/^# → (.*)$/gm)].map((m) => m[1]),
    ];
    const run = spawnSync('bash', ['-c', `set -e\n${session}`], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout.trim().split('\n')).toEqual(expected);
    expect(run.status).toBe(0);
  });
});
