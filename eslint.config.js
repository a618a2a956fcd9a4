import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // Only src/kube/ may load the Kubernetes client: the actions that do not touch
      // the cluster must not pay for it at start-up (types are free).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              message: 'Import the Kubernetes client only in src/kube/.',
              allowTypeImports: true,
            },
            {
              // Its chunk is loaded only when a Slack bot channel is configured.
              name: '@slack/web-api',
              message: 'Load the Slack client with await import() (src/notify/send.ts).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/kube/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The standalone emulators are programs of their own that print to their terminal.
    files: ['src/sim/**/cli.ts', 'src/sim/standalone.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // With noUncheckedIndexedAccess, tests and benchmarks assert presence by other means.
    // The simulator (src/sim/) was grown as test code and keeps its rules: its lookups
    // are of objects it stored itself.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/sim/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
);
