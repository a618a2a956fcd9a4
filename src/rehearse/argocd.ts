// A simulated Argo CD: each Application in the simulated cluster syncs from the simulated
// repository's default branch, so a merged change reaches the cluster as it would
// through GitOps. Like an automated sync policy, it applies when the branch moves to a
// revision the Application has not synced; like `kubectl apply`, it merges the
// manifest's fields into the live object (a strategic merge patch) and creates what is
// missing; it never prunes. Directory sources only: the YAML and JSON files directly in
// `spec.source.path`, or the local files a kustomization.yaml lists under `resources`.
import { loadAll } from 'js-yaml';
import type { RepoState } from '../sim/github/state.js';
import { resourceForKind } from '../sim/kube/resources.js';
import type { KubeEmulator } from '../sim/kube/server.js';
import type { KObject } from '../sim/kube/store.js';

export interface SyncedApp {
  app: string;
  revision: string;
  applied: string[];
  skipped: string[];
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Syncs every Application whose revision is behind the branch; what each applied. */
export function syncApplications(kube: KubeEmulator, repo: RepoState, branch: string): SyncedApp[] {
  const appType = resourceForKind('argoproj.io/v1alpha1', 'Application');
  const head = repo.resolve(branch);
  const tree = head ? repo.git.commits.get(head)?.tree : undefined;
  if (!appType || !head || !tree) return [];
  const files = repo.git.files(tree);
  const synced: SyncedApp[] = [];
  for (const app of kube.store.list(appType) as Any[]) {
    const source = app.spec?.source ?? {};
    const path = String(source.path ?? '').replace(/^\.?\/+|\/+$/g, '');
    const want = String(source.targetRevision ?? 'HEAD');
    if (!['HEAD', branch, ''].includes(want)) continue;
    if (app.status?.sync?.revision === head) continue;
    const inFolder = [...files.keys()].filter((p) => dirOf(p) === path);
    const kustomization = inFolder.find((p) => /(^|\/)kustomization\.ya?ml$/.test(p));
    const sources = kustomization
      ? listedResources(repo.readFile(head, kustomization) ?? '', path)
      : inFolder.filter((p) => /\.(ya?ml|json)$/.test(p));
    if (sources.length === 0) continue;
    const applied: string[] = [];
    const skipped: string[] = [];
    for (const file of sources) {
      let docs: unknown[];
      try {
        docs = loadAll(repo.readFile(head, file) ?? '');
      } catch {
        skipped.push(`${file}: not YAML`);
        continue;
      }
      for (const doc of docs.filter((d): d is Any => typeof d === 'object' && d !== null)) {
        const outcome = apply(kube, doc, app.spec?.destination?.namespace);
        (outcome.ok ? applied : skipped).push(outcome.what);
      }
    }
    kube.patchObject(appType, app.metadata.namespace, app.metadata.name, {
      status: { sync: { status: 'Synced', revision: head } },
    });
    synced.push({ app: app.metadata.name, revision: head, applied, skipped });
  }
  return synced;
}

function apply(
  kube: KubeEmulator,
  manifest: Any,
  defaultNamespace: string | undefined,
): { ok: boolean; what: string } {
  const type = resourceForKind(String(manifest.apiVersion), String(manifest.kind));
  const name = manifest.metadata?.name;
  const what = `${manifest.kind ?? '?'}/${name ?? '?'}`;
  if (!type || typeof name !== 'string') return { ok: false, what: `${what}: unknown kind` };
  const namespace = type.namespaced
    ? (manifest.metadata.namespace ?? defaultNamespace ?? 'default')
    : undefined;
  const object = { ...manifest, metadata: { ...manifest.metadata, namespace } } as Any;
  delete object.status;
  try {
    if (kube.store.get(type, namespace, name)) kube.patchObject(type, namespace, name, object);
    else kube.seed(type, object as KObject);
    return { ok: true, what: namespace ? `${what} in ${namespace}` : what };
  } catch (error) {
    return { ok: false, what: `${what}: ${(error as Error).message.split('\n')[0]}` };
  }
}

const dirOf = (path: string): string => path.split('/').slice(0, -1).join('/');

function listedResources(text: string, folder: string): string[] {
  let doc: Any | undefined;
  try {
    doc = loadAll(text)[0] as Any | undefined;
  } catch {
    return [];
  }
  const resources: unknown[] = Array.isArray(doc?.resources) ? doc.resources : [];
  return resources
    .filter(
      (r): r is string => typeof r === 'string' && /\.(ya?ml|json)$/.test(r) && !r.includes('..'),
    )
    .map((r) => (folder ? `${folder}/${r.replace(/^\.\//, '')}` : r));
}
