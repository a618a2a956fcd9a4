/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Storm, scale and many-dispatch runs live in *.heavy.test.ts and run with
  // `npm run test:heavy` (jest.heavy.config.js), so `npm test` stays minutes long.
  testPathIgnorePatterns: ['/node_modules/', '\\.heavy\\.test\\.ts$'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // ts-jest only transpiles here; `npm run typecheck` is the type check.
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  globalSetup: '<rootDir>/test/global-setup.js',
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  // Most suites spawn the bundled actions and wait on emulator clocks, so two workers
  // overlap those waits on two cores. A test's timeout is a hang detector, not a budget:
  // a second test run on the machine can make a one-dispatch workflow take minutes, so
  // tests set none of their own and the actions they spawn get five minutes each.
  maxWorkers: 2,
  testTimeout: 600_000,
};
