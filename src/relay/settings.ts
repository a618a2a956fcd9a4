// What the relay may be told (the config's `relay:` section): its grouping window, how
// often a problem that keeps firing is sent again, the storm threshold, the queue and the
// dispatch rate. Plain data, so the config module can read it without loading the relay.
import { DELIVER_DEFAULTS } from './deliver.js';
import { GROUPER_DEFAULTS } from './grouper.js';
import { QUEUE_DEFAULTS } from './queue.js';

export interface RelayConfig {
  windowMs: number;
  refreshMs: number;
  stormKeys: number;
  queueCapacity: number;
  dispatchesPerMinute: number;
}

export const RELAY_DEFAULTS: RelayConfig = {
  windowMs: GROUPER_DEFAULTS.windowMs,
  refreshMs: GROUPER_DEFAULTS.refreshMs,
  stormKeys: GROUPER_DEFAULTS.stormKeys,
  queueCapacity: QUEUE_DEFAULTS.capacity,
  dispatchesPerMinute: DELIVER_DEFAULTS.perMinute,
};
