import * as core from '@actions/core';
import { describeGitHubError } from './github/errors.js';
import { UsageError, getErrorMessage, oneLine } from './shared/errors.js';

interface ActionModule {
  run(...args: never[]): Promise<void>;
}

/**
 * Every action lives in one bundle; each is loaded on demand, so an action pays at
 * start-up only for its own code, and only remediate and diagnose load the
 * Kubernetes client. The chunk names keep `dist/` readable and its diffs stable.
 */
export const actions = {
  intake: () => import(/* webpackChunkName: "intake" */ './intake/index.js'),
  triage: () => import(/* webpackChunkName: "triage" */ './triage/index.js'),
  remediate: () => import(/* webpackChunkName: "remediate" */ './remediate/index.js'),
  report: () => import(/* webpackChunkName: "report" */ './report/index.js'),
  diagnose: () => import(/* webpackChunkName: "diagnose" */ './diagnose/index.js'),
} satisfies Record<string, () => Promise<ActionModule>>;

/** The repository's root action.yml: every stage above in one step. */
export const allInOne = () => import(/* webpackChunkName: "all-in-one" */ './all-in-one/index.js');

export type ActionName = keyof typeof actions | 'all-in-one';

/** The `kubemend` command line (bin/kubemend.js); resolves to the exit code. */
export async function cli(args: string[]): Promise<number> {
  silenceBundledPunycodeWarning();
  const { cli: run } = await import(/* webpackChunkName: "cli" */ './cli/index.js');
  return run(args);
}

/** Runs one action and turns any failure into one annotation line and exit code 1. */
export async function start(name: ActionName): Promise<void> {
  silenceBundledPunycodeWarning();
  try {
    const action = name === 'all-in-one' ? await allInOne() : await actions[name]();
    await action.run();
  } catch (error) {
    // A usage error is the whole story; anything else is our bug, whose stack helps only in debug logs.
    if (!(error instanceof UsageError) && error instanceof Error && error.stack)
      core.debug(error.stack);
    core.setFailed(oneLine(describeGitHubError(error) ?? getErrorMessage(error)));
  }
}

/**
 * @kubernetes/client-node 1.x reaches Node's deprecated built-in `punycode` through
 * node-fetch; the warning is not ours to fix and would add noise to every error.
 * Only that one deprecation is dropped.
 */
function silenceBundledPunycodeWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const code =
      typeof options === 'object' && options !== null
        ? (options as { code?: string }).code
        : typeof rest[1] === 'string'
          ? rest[1]
          : undefined;
    if (code === 'DEP0040') return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
