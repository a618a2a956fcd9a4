// The entry @github/local-action runs (`run()`), as the runner runs dist/metrics/index.js.
import { start } from '../../main.js';

export const run = (): Promise<void> => start('metrics');
