// `kubemend rehearse FILE [--json]`: plays a rehearsal file on the simulated cluster and
// GitHub and judges its expectations. Exit 0 when every step ran and every expectation
// held, 1 when one failed (each failure one line), 2 when FILE is invalid. The simulator
// is loaded only here, so the other commands and the actions never pay for it.
import { UsageError } from '../shared/errors.js';

export const REHEARSE_USAGE = `  kubemend rehearse [--json] FILE
      Play a rehearsal file (a story of alerts, people and time, with expectations) on
      the simulated cluster and GitHub through the bundled workflows and actions.
      Prints the story step by step, or with --json the result as JSON (the contract
      in docs/rehearse.md). Exit 0: every expectation held; 1: one failed; 2: FILE is
      invalid.
  kubemend rehearse --print-identity FILE
      Print the simulated cluster's identity, the clusters: block to paste into the
      rehearsal's config.`;

export interface RehearseIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
}

export async function rehearseCommand(args: string[], io: RehearseIo): Promise<number> {
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const files = args.filter((a) => !a.startsWith('--'));
  for (const flag of flags)
    if (!['--json', '--print-identity'].includes(flag))
      throw new UsageError(
        `kubemend rehearse: unknown option ${flag.slice(0, 40)}; allowed: --json, --print-identity.`,
      );
  if (files.length !== 1)
    throw new UsageError(`kubemend rehearse: takes one FILE; got ${files.length}.`);
  const file = files[0] as string;
  const { readRehearsal } = await import('../rehearse/file.js');
  const { scenarioExists } = await import('../rehearse/scenarios.js');
  const rehearsal = readRehearsal(file, scenarioExists);
  if (flags.has('--print-identity')) {
    const { identityBlock } = await import('../rehearse/identity.js');
    io.stdout(`${identityBlock(rehearsal.clusters.map((c) => c.name))}\n`);
    return 0;
  }
  const { play, StoryError } = await import('../rehearse/story.js');
  const { tell, NO_STYLE, TTY_STYLE } = await import('../rehearse/present.js');
  try {
    const { result, snapshots } = await play(rehearsal, {
      progress: flags.has('--json') || !io.isTty ? undefined : (line) => io.stderr(`… ${line}\n`),
    });
    io.stdout(
      flags.has('--json')
        ? `${JSON.stringify(result, null, 2)}\n`
        : tell(result, snapshots, io.isTty ? TTY_STYLE : NO_STYLE),
    );
    if (!result.ok && flags.has('--json'))
      for (const e of result.expectations.filter((e) => !e.ok && e.knownFailing === undefined))
        io.stderr(`✗ ${e.path}: ${e.message}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof StoryError) {
      io.stderr(`kubemend rehearse: ${file}: the story stopped: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
