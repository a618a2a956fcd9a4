// What the relay may be told (the config's `relay:` section): its grouping window, how
// often a problem that keeps firing is sent again, the storm threshold, the queue and the
// dispatch rate, and the event watcher. Plain data, so the config module can read it
// without loading the relay.
import { DELIVER_DEFAULTS } from './deliver.js';
import { WARNING_REASONS, WATCHED_KINDS } from './events.js';
import { GROUPER_DEFAULTS } from './grouper.js';
import { QUEUE_DEFAULTS } from './queue.js';

export interface RelayConfig {
  windowMs: number;
  refreshMs: number;
  stormKeys: number;
  queueCapacity: number;
  dispatchesPerMinute: number;
  events: RelayEventsConfig;
}

/** The opt-in event watcher (src/relay/watcher.ts). */
export interface RelayEventsConfig {
  enabled: boolean;
  /** Namespaces whose labels match are watched; none match, nothing is. */
  namespaceSelector: string;
  reasons: readonly string[];
  kinds: readonly string[];
  /** Events about Nodes and other cluster-scoped objects. */
  clusterScoped: boolean;
  /** Container states and a log tail with each pod's event. */
  enrich: boolean;
}

export const RELAY_DEFAULTS: RelayConfig = {
  windowMs: GROUPER_DEFAULTS.windowMs,
  refreshMs: GROUPER_DEFAULTS.refreshMs,
  stormKeys: GROUPER_DEFAULTS.stormKeys,
  queueCapacity: QUEUE_DEFAULTS.capacity,
  dispatchesPerMinute: DELIVER_DEFAULTS.perMinute,
  events: {
    enabled: false,
    namespaceSelector: 'kubemend.io/watch=true',
    reasons: WARNING_REASONS,
    kinds: WATCHED_KINDS,
    clusterScoped: false,
    enrich: true,
  },
};
