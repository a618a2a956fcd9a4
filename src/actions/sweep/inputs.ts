import type { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigInputs } from '../kubeconfig-input.js';
import { secretInput, workspacePathInput } from '../inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface SweepInputs {
  kubeconfig: KubeConfig;
  token: string;
  configPath: string;
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
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const kubeconfig = kubeconfigInputs(rawKubeconfig, Inputs, Defaults[Inputs.AllowExecCredentials]);
  return { kubeconfig, token, configPath };
}
