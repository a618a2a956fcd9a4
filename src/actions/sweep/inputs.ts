import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigInputs } from '../kubeconfig-input.js';
import {
  booleanInput,
  enumInput,
  optionalInput,
  secretInput,
  workspacePathInput,
} from '../inputs.js';
import { clusterNameInput } from '../name-inputs.js';
import { readNotifyInputs, type NotifyInputs } from '../notify-inputs.js';
import { INCIDENT_MODES, type IncidentMode } from '../../shared/constants.js';
import { Defaults, Inputs } from './constants.js';

export interface SweepInputs {
  kubeconfig: KubeConfig;
  /** The `context` input was given: that context, whatever the cluster. */
  contextChosen: boolean;
  token: string;
  configPath: string;
  /** Scan the cluster (config `scan.enabled` permitting). */
  scan: boolean;
  /**
   * The cluster this sweep is for, when the workflow names one: only its incidents, its
   * context of the kubeconfig, and the scanned cluster's name.
   */
  cluster: string | undefined;
  /** How the scan's incidents are recorded. */
  mode: IncidentMode;
  /** The notification secrets, already masked. */
  notify: NotifyInputs;
}

/** `list-clusters: true`: the action only lists the clusters to sweep; no kubeconfig. */
export function listClustersInputs():
  { configPath: string; cluster: string | undefined } | undefined {
  if (!booleanInput(Inputs.ListClusters, Defaults[Inputs.ListClusters])) return undefined;
  return {
    configPath: workspacePathInput(Inputs.Config, Defaults[Inputs.Config]),
    cluster: clusterNameInput(Inputs.Cluster),
  };
}

export function getSweepInputs(): SweepInputs {
  // The kubeconfig is read and masked first, before any other input can fail and print;
  // kubeconfigInputs vets it (exec plugins and credential files refused unless allowed).
  const rawKubeconfig = secretInput(
    Inputs.Kubeconfig,
    'pass the kubeconfig of the kubemend-remediate identity from a secret, e.g. ${{ secrets.KUBECONFIG }}',
  );
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write issues, pull requests and contents',
  );
  const notify = readNotifyInputs({ legacy: false });
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const kubeconfig = kubeconfigInputs(rawKubeconfig, Inputs, Defaults[Inputs.AllowExecCredentials]);
  return {
    kubeconfig,
    contextChosen: optionalInput(Inputs.Context) !== '',
    token,
    configPath,
    scan: booleanInput(Inputs.Scan, Defaults[Inputs.Scan]),
    cluster: clusterNameInput(Inputs.Cluster),
    mode: enumInput(Inputs.IncidentMode, INCIDENT_MODES, Defaults[Inputs.IncidentMode]),
    notify,
  };
}
