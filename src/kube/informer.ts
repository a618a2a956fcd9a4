// client-node's ListWatch informer over the two collections the relay's event watcher
// follows: namespaces, and core/v1 events of type Warning in every namespace. ListWatch
// lists, then watches from the list's resourceVersion; after a 410 Expired it relists,
// calling back only for objects new or changed since its cache was filled. It does not
// restart after any other failure: its `error` callback says so, and the caller starts it
// again (it then resumes from the last resourceVersion it saw).
import {
  CoreV1Api,
  ListWatch,
  Watch,
  type CoreV1Event,
  type CoreV1EventList,
  type KubeConfig,
  type V1Namespace,
} from '@kubernetes/client-node';

/** Every namespace, with its labels: the caller decides which ones are opted in. */
export function namespaceInformer(kubeconfig: KubeConfig): ListWatch<V1Namespace> {
  const core = kubeconfig.makeApiClient(CoreV1Api);
  return new ListWatch<V1Namespace>(
    '/api/v1/namespaces',
    new Watch(kubeconfig),
    () => core.listNamespace(),
    false,
  );
}

export interface EventInformerOptions {
  /** A resourceVersion to start watching from, without a list (a resumed watcher). */
  startFrom?: string;
  /** Called with each list before its items are called back (the first list, and each relist). */
  onList?: (list: CoreV1EventList) => void;
}

/** core/v1 Events of type Warning, cluster-wide (`fieldSelector=type=Warning`). */
export function warningEventInformer(
  kubeconfig: KubeConfig,
  options: EventInformerOptions = {},
): ListWatch<CoreV1Event> {
  const core = kubeconfig.makeApiClient(CoreV1Api);
  const informer = new ListWatch<CoreV1Event>(
    '/api/v1/events',
    new Watch(kubeconfig),
    async () => {
      const list = await core.listEventForAllNamespaces({ fieldSelector: 'type=Warning' });
      options.onList?.(list);
      return list;
    },
    false,
    undefined,
    'type=Warning',
  );
  if (options.startFrom)
    // ListWatch keeps where its watch is in a private field and takes no starting point:
    // set before start, its first watch resumes there instead of listing.
    (informer as unknown as { resourceVersion: string }).resourceVersion = options.startFrom;
  return informer;
}
