/**
 * Module structure rules, checked by `npm run lint`. Type-only imports count: a cycle
 * through types still ties two modules' designs together.
 */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other: move what both need to a module of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-not-adapters',
      severity: 'error',
      comment:
        'The domain is called by the action adapters (src/actions/), the CLI and main.ts, never the other way: move what the domain needs out of the adapter.',
      from: { path: '^src/', pathNot: '^src/(actions/|cli/|main\\.ts$)' },
      to: { path: '^src/actions/' },
    },
    {
      name: 'simulator-stands-alone',
      severity: 'error',
      comment:
        'The simulator (src/sim/) judges the product: it shares no code with it, so a bug in a shared module cannot make both sides agree.',
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: '^src/sim/' },
    },
    {
      name: 'product-not-simulator',
      severity: 'error',
      comment:
        'Only rehearsal (src/rehearse/) and the CLI run the simulator; the actions never load it.',
      from: { path: '^src/', pathNot: '^src/(sim|rehearse|cli)/' },
      to: { path: '^src/sim/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
