// Flux as a source, as data: the kinds whose events intake keys by object, the event
// reasons that report a recovery, and the metadata key that names the cluster. Flux's
// notification-controller (`githubdispatch` provider) sends each event as the
// repository_dispatch's client_payload, `event_type` `<Kind>/<name>.<namespace>`
// (docs/flux.md); shapes.ts reads the event, this file says what it means.

/**
 * The objects kubemend acts on (the reconcile playbook) and names as targets, with how
 * Flux's API and CLI spell them. Events about other Flux kinds (a GitRepository) open
 * incidents too, keyed by the object, but name no target.
 */
export const FLUX_KINDS = {
  Kustomization: {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    resource: 'kustomizations.kustomize.toolkit.fluxcd.io',
    cli: 'kustomizations',
  },
  HelmRelease: {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    resource: 'helmreleases.helm.toolkit.fluxcd.io',
    cli: 'helmreleases',
  },
} as const;
export type FluxKind = keyof typeof FLUX_KINDS;

export const isFluxKind = (kind: string | undefined): kind is FluxKind =>
  kind !== undefined && Object.hasOwn(FLUX_KINDS, kind);

/**
 * Reasons of an `info` event that say the object is healthy again (kustomize-controller's
 * and helm-controller's success reasons). Other info events (RollbackSucceeded after a
 * failed upgrade, Progressing, a change set being applied) report progress, not a
 * recovery: they change nothing.
 */
export const FLUX_RECOVERY_REASONS: ReadonlySet<string> = new Set([
  'ReconciliationSucceeded',
  'InstallSucceeded',
  'UpgradeSucceeded',
  'TestSucceeded',
  'HealthCheckSucceeded',
]);

/** The event's severities (Flux sends no other); `error` is a failure, `info` anything else. */
export const FLUX_SEVERITIES = ['info', 'error'] as const;

/**
 * The event metadata key that names the cluster: an Alert's `spec.eventMetadata.cluster`
 * is added to every event it forwards (deploy/flux/alert.yaml). Absent, the action's
 * `cluster` input names it.
 */
export const FLUX_CLUSTER_KEY = 'cluster';
