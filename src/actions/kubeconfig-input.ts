// The kubeconfig inputs every action that reads a cluster takes the same way: the secret,
// the context to use, and whether exec credential plugins may run.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeconfig } from '../kube/kubeconfig.js';
import { booleanInput, optionalInput } from './inputs.js';

/** The action's names for the three inputs (its constants, so action.yml stays the source). */
export interface KubeconfigInputNames {
  Kubeconfig: string;
  Context: string;
  AllowExecCredentials: string;
}

/**
 * The cluster client's configuration from `raw` (read and masked by the caller before any
 * other input could fail and print) and the context and exec-credential inputs.
 */
export function kubeconfigInputs(
  raw: string,
  names: KubeconfigInputNames,
  allowExecDefault: 'true' | 'false',
): KubeConfig {
  return loadKubeconfig(raw, {
    kubeconfigInput: names.Kubeconfig,
    context: optionalInput(names.Context),
    contextInput: names.Context,
    allowExec: booleanInput(names.AllowExecCredentials, allowExecDefault),
    allowInput: names.AllowExecCredentials,
  });
}
