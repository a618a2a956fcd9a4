// Preloaded with `node --import` in tests: appends the URL of every module the
// process loads to $KUBEMEND_MODULE_LOG, to prove what an action loads at start-up.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const log = process.env.KUBEMEND_MODULE_LOG;
registerHooks({
  load(url, context, nextLoad) {
    if (log) appendFileSync(log, `${url}\n`);
    return nextLoad(url, context);
  },
});
