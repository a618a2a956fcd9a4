// What the real API server's validation refuses in RBAC objects (pkg/apis/rbac/validation),
// with its messages: a rule without verbs or API groups, a binding whose roleRef is
// missing or names the wrong kind, a ServiceAccount subject of a ClusterRoleBinding
// without a namespace. Manifests the emulator accepts would then be accepted by a cluster
// on these points too.
import type { ResourceType } from './resources.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RbacProblem {
  field: string;
  cause: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function ruleProblems(rules: unknown, nonResourceAllowed: boolean): RbacProblem | undefined {
  if (!Array.isArray(rules)) return undefined;
  for (const [i, rule] of (rules as Any[]).entries()) {
    const field = `rules[${i}]`;
    if (!Array.isArray(rule?.verbs) || rule.verbs.length === 0)
      return {
        field: `${field}.verbs`,
        cause: 'Required value: verbs must contain at least one value',
      };
    const urls = Array.isArray(rule.nonResourceURLs) ? rule.nonResourceURLs.length : 0;
    if (urls > 0) {
      if (!nonResourceAllowed)
        return {
          field: `${field}.nonResourceURLs`,
          cause: 'Invalid value: namespaced rules cannot apply to non-resource URLs',
        };
      continue;
    }
    if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0)
      return {
        field: `${field}.apiGroups`,
        cause: 'Required value: resource rules must supply at least one api group',
      };
    if (!Array.isArray(rule.resources) || rule.resources.length === 0)
      return {
        field: `${field}.resources`,
        cause: 'Required value: resource rules must supply at least one resource',
      };
  }
  return undefined;
}

function bindingProblems(o: Any, clusterScoped: boolean): RbacProblem | undefined {
  const ref = o.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP)
    return {
      field: 'roleRef.apiGroup',
      cause: `Unsupported value: ${JSON.stringify(ref.apiGroup ?? '')}: supported values: "${RBAC_GROUP}"`,
    };
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind))
    return {
      field: 'roleRef.kind',
      cause: `Unsupported value: ${JSON.stringify(ref.kind ?? '')}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}`,
    };
  if (!ref.name) return { field: 'roleRef.name', cause: 'Required value' };
  for (const [i, subject] of ((o.subjects ?? []) as Any[]).entries()) {
    const field = `subjects[${i}]`;
    if (!subject?.name) return { field: `${field}.name`, cause: 'Required value' };
    if (!['ServiceAccount', 'User', 'Group'].includes(subject.kind))
      return {
        field: `${field}.kind`,
        cause: `Unsupported value: ${JSON.stringify(subject.kind ?? '')}: supported values: "ServiceAccount", "User", "Group"`,
      };
    if (subject.kind === 'ServiceAccount' && clusterScoped && !subject.namespace)
      return { field: `${field}.namespace`, cause: 'Required value' };
  }
  return undefined;
}

/** The first problem the API server would refuse an RBAC object for, if any. */
export function rbacProblem(r: ResourceType, object: Any): RbacProblem | undefined {
  if (r.group !== RBAC_GROUP) return undefined;
  switch (r.kind) {
    case 'ClusterRole':
      return ruleProblems(object.rules, true);
    case 'Role':
      return ruleProblems(object.rules, false);
    case 'ClusterRoleBinding':
      return bindingProblems(object, true);
    case 'RoleBinding':
      return bindingProblems(object, false);
    default:
      return undefined;
  }
}
