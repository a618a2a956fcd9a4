// `kubemend rehearse` as a user runs it: the bundled CLI (bin/kubemend.js over dist/).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';

export function rehearse(
  args: string[],
  cwd = repoRoot,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin/kubemend.js'), 'rehearse', ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
