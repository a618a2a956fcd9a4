import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  Kubeconfig: 'kubeconfig',
  Context: 'context',
  AllowExecCredentials: 'allow-exec-credentials',
  Playbook: 'playbook',
  Targets: 'targets',
  Mode: 'mode',
  Config: 'config',
  Incident: 'incident',
  GitHubToken: 'github-token',
} as const;

export const Defaults = {
  [Inputs.AllowExecCredentials]: 'false',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
} as const;

export const Outputs = {
  Outcome: 'outcome',
  ResultPath: 'result-path',
} as const;
