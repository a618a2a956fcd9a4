import * as core from '@actions/core';
import { actions } from './actions/loaders.js';
import { describeGitHubError } from './github/errors.js';
import { UsageError, getErrorMessage, oneLine } from './shared/errors.js';

/** The repository's root action.yml: every stage in one step. */
export const allInOne = () =>
  import(/* webpackChunkName: "all-in-one" */ './actions/all-in-one/index.js');

export type ActionName = keyof typeof actions | 'all-in-one';

/** The `kubemend` command line (bin/kubemend.js); resolves to the exit code. */
export async function cli(args: string[]): Promise<number> {
  silenceBundledDependencyDeprecations();
  const { cli: run } = await import(/* webpackChunkName: "cli" */ './cli/index.js');
  return run(args);
}

/** Runs one action and turns any failure into one annotation line and exit code 1. */
export async function start(name: ActionName): Promise<void> {
  silenceBundledDependencyDeprecations();
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
 * Deprecations raised by bundled dependencies, not by our code (ncc moves that code out
 * of node_modules/, where Node keeps quiet about url.parse()): each would print on every
 * run and add noise to every error. Only these codes are dropped.
 */
const BUNDLED_DEPENDENCY_DEPRECATIONS = new Set([
  // The built-in `punycode`, reached by @kubernetes/client-node 1.x through node-fetch 2's whatwg-url.
  'DEP0040',
  // url.parse(), called by node-fetch 2 (client-node's HTTP library) in every Request,
  // with no option to avoid it.
  'DEP0169',
]);

function silenceBundledDependencyDeprecations(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const code =
      typeof options === 'object' && options !== null
        ? (options as { code?: string }).code
        : typeof rest[1] === 'string'
          ? rest[1]
          : undefined;
    if (typeof code === 'string' && BUNDLED_DEPENDENCY_DEPRECATIONS.has(code)) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
