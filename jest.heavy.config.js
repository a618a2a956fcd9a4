// `npm run test:heavy`: the storm, scale and many-dispatch suites, and the playbook
// matrices that settle the 30-pod registry outage case after case (which kept `npm test`
// past ten minutes on a 2-core machine). Each one loads both cores by itself, so they
// run one at a time (`--runInBand` in the script).
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ['**/*.heavy.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // A hang detector: the 215-dispatch storm alone takes many minutes on a loaded machine.
  testTimeout: 1_800_000,
};
