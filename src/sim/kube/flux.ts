// A minimal Flux in the simulator: kustomize-controller and helm-controller as far as a
// reconcile's outcome goes. What a reconcile finds is DERIVED from the scenario's facts
// (`facts.flux`, per `Kind/namespace/name`: the failure that stands while it is set),
// never set by a test: a reconcile requested while the cause stands fails again, one
// requested after it is gone succeeds. A reconcile runs when the object is new or its
// spec changed, when `reconcile.fluxcd.io/requestedAt` carries a token not yet handled
// (what `flux reconcile` sets), and every `spec.interval`; it records the token it
// handled in status.lastHandledReconcileAt, as Flux does (fluxcd/pkg/apis/meta).
import { RESOURCES, type ResourceType } from './resources.js';
import type { KObject, KubeClock, KubeStore } from './store.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What stands in the way of one Flux object's reconcile; absent, it succeeds. */
export interface FluxFacts {
  failure?: {
    /** The Ready condition's reason: BuildFailed, HealthCheckFailed, UpgradeFailed... */
    reason: string;
    message: string;
    /** A HelmRelease whose retries are exhausted: Stalled until its failures are reset (resetAt). */
    stalled?: boolean;
  };
  /** The revision a successful reconcile applies. */
  revision?: string;
}

const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const RESET_AT = 'reconcile.fluxcd.io/resetAt';

const type = (kind: string, group: string): ResourceType =>
  RESOURCES.find((r) => r.kind === kind && r.group === group)!;

/** The reconcilers, as data: the kind, and the reasons its Ready condition gives. */
const CONTROLLERS = [
  {
    resource: type('Kustomization', 'kustomize.toolkit.fluxcd.io'),
    succeeded: () => 'ReconciliationSucceeded',
    message: (revision: string) => `Applied revision: ${revision}`,
  },
  {
    resource: type('HelmRelease', 'helm.toolkit.fluxcd.io'),
    // A release that was never installed is installed; one that was is upgraded.
    succeeded: (o: Any) =>
      o.status?.lastAttemptedRevision || o.status?.history?.length
        ? 'UpgradeSucceeded'
        : 'InstallSucceeded',
    message: (revision: string) => `Helm upgrade succeeded for release with chart ${revision}`,
  },
];

/** A Go duration as Flux specs write it (`10m`, `1h30m`, `30s`); undefined when unreadable. */
function durationMs(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(h|m|s|ms))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  for (const [, n, u] of text.matchAll(/(\d+)(ms|h|m|s)/g)) ms += Number(n) * unit[u!]!;
  return ms > 0 ? ms : undefined;
}

export class FluxControllers {
  private readonly store: KubeStore;
  private readonly clock: KubeClock;
  private readonly facts: () => Record<string, FluxFacts>;
  /** Per object uid: when it was last reconciled (server time), for spec.interval. */
  private readonly lastRun = new Map<string, number>();

  constructor(store: KubeStore, clock: KubeClock, facts: () => Record<string, FluxFacts>) {
    this.store = store;
    this.clock = clock;
    this.facts = facts;
  }

  /** The kinds it reconciles, for a scoped run's `has`. */
  get resources(): ResourceType[] {
    return CONTROLLERS.map((c) => c.resource);
  }

  /** Reconciles the objects `list` gives (those in scope, or all) that are due. */
  reconcile(list: (r: ResourceType) => KObject[]): void {
    for (const controller of CONTROLLERS) {
      for (const object of list(controller.resource) as Any[]) {
        if (object.spec?.suspend === true || object.metadata.deletionTimestamp) continue;
        const requested: string | undefined = object.metadata.annotations?.[REQUESTED_AT];
        const status = object.status ?? {};
        const interval = durationMs(object.spec?.interval);
        const last = this.lastRun.get(object.metadata.uid);
        const due =
          !status.conditions?.some((c: Any) => c.type === 'Ready') ||
          (status.observedGeneration ?? 0) < (object.metadata.generation ?? 0) ||
          (requested !== undefined && requested !== status.lastHandledReconcileAt) ||
          (interval !== undefined && last !== undefined && this.clock.now() - last >= interval);
        if (!due) continue;
        this.lastRun.set(object.metadata.uid, this.clock.now());
        const key = `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
        const next = this.outcome(controller, structuredClone(object), this.facts()[key] ?? {});
        if (requested !== undefined) next.status.lastHandledReconcileAt = requested;
        if (JSON.stringify(next) !== JSON.stringify(object))
          this.store.update(controller.resource, next);
      }
    }
  }

  private outcome(controller: (typeof CONTROLLERS)[number], next: Any, facts: FluxFacts): Any {
    const status = (next.status ??= {});
    const generation = next.metadata.generation ?? 1;
    status.observedGeneration = generation;
    const reset: string | undefined = next.metadata.annotations?.[RESET_AT];
    const wasReset = reset !== undefined && reset !== status.lastHandledResetAt;
    if (wasReset) status.lastHandledResetAt = reset;
    const stalledBefore = (status.conditions ?? []).some(
      (c: Any) => c.type === 'Stalled' && c.status === 'True',
    );
    const failure = facts.failure;
    // A stalled release retries nothing, whatever the facts, until its failures are reset.
    if (stalledBefore && !wasReset) return next;
    const revision = facts.revision ?? status.lastAppliedRevision ?? 'main@sha1:0000000';
    const conditions: Any[] = [
      failure
        ? this.condition(next, 'Ready', 'False', failure.reason, failure.message, generation)
        : this.condition(
            next,
            'Ready',
            'True',
            controller.succeeded(next),
            controller.message(revision),
            generation,
          ),
      ...(failure?.stalled
        ? [
            this.condition(
              next,
              'Stalled',
              'True',
              'RetriesExceeded',
              `Failed to ${controller.succeeded(next) === 'InstallSucceeded' ? 'install' : 'upgrade'} after 3 attempts`,
              generation,
            ),
          ]
        : []),
    ];
    status.conditions = conditions;
    status.lastAttemptedRevision = revision;
    if (!failure) status.lastAppliedRevision = revision;
    return next;
  }

  /** A condition; its lastTransitionTime moves only when its status changes. */
  private condition(
    object: Any,
    type: string,
    status: string,
    reason: string,
    message: string,
    observedGeneration: number,
  ): Any {
    const before = (object.status?.conditions ?? []).find((c: Any) => c.type === type);
    return {
      type,
      status,
      observedGeneration,
      lastTransitionTime:
        before && before.status === status ? before.lastTransitionTime : this.clock.iso(),
      reason,
      message,
    };
  }
}
