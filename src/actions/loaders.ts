// The lazy loaders of the stage actions, apart from main.ts so that all-in-one, which
// runs every stage, can use them without importing the entry that loads all-in-one.
interface ActionModule {
  run(...args: never[]): Promise<void>;
}

/**
 * Every action lives in one bundle; each is loaded on demand, so an action pays at
 * start-up only for its own code, and only remediate, diagnose and sweep load the
 * Kubernetes client. The chunk names keep `dist/` readable and its diffs stable.
 */
export const actions = {
  intake: () => import(/* webpackChunkName: "intake" */ './intake/index.js'),
  triage: () => import(/* webpackChunkName: "triage" */ './triage/index.js'),
  remediate: () => import(/* webpackChunkName: "remediate" */ './remediate/index.js'),
  report: () => import(/* webpackChunkName: "report" */ './report/index.js'),
  diagnose: () => import(/* webpackChunkName: "diagnose" */ './diagnose/index.js'),
  sweep: () => import(/* webpackChunkName: "sweep" */ './sweep/index.js'),
  metrics: () => import(/* webpackChunkName: "metrics" */ './metrics/index.js'),
} satisfies Record<string, () => Promise<ActionModule>>;
