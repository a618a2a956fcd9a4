// RBAC manifests to the rules a ServiceAccount holds, as the API server gathers them:
// every ClusterRoleBinding and RoleBinding naming the account, and the rules of the role
// each binds (a RoleBinding's only in its namespace). The emulator then authorizes the
// account's requests with exactly what a user's manifests grant.
import { loadAll } from 'js-yaml';
import type { RbacRule } from './server.js';

interface Doc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[];
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

export function serviceAccountRules(
  manifests: string,
  account: { namespace: string; name: string },
): RbacRule[] {
  const docs = (loadAll(manifests) as Doc[]).filter((d) => typeof d === 'object' && d !== null);
  const rules: RbacRule[] = [];
  for (const binding of docs.filter(
    (d) => d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding',
  )) {
    const bound = binding.subjects?.some(
      (s) =>
        s.kind === 'ServiceAccount' &&
        s.name === account.name &&
        (s.namespace ?? binding.metadata?.namespace) === account.namespace,
    );
    if (!bound) continue;
    // A RoleBinding may bind a ClusterRole too: its rules then hold in the binding's namespace.
    const role = docs.find(
      (d) =>
        d.kind === binding.roleRef?.kind &&
        d.metadata?.name === binding.roleRef?.name &&
        (d.kind === 'ClusterRole' || d.metadata?.namespace === binding.metadata?.namespace),
    );
    for (const rule of role?.rules ?? [])
      rules.push({
        apiGroups: rule.apiGroups ?? [],
        resources: rule.resources ?? [],
        verbs: rule.verbs ?? [],
        ...(binding.kind === 'RoleBinding'
          ? { namespaces: [binding.metadata?.namespace ?? 'default'] }
          : {}),
      });
  }
  return rules;
}
