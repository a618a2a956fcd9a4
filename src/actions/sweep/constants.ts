import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  Kubeconfig: 'kubeconfig',
  Context: 'context',
  AllowExecCredentials: 'allow-exec-credentials',
  GitHubToken: 'github-token',
  Config: 'config',
} as const;

export const Defaults = {
  [Inputs.AllowExecCredentials]: 'false',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
} as const;

export const Outputs = {
  Incidents: 'incidents',
  Changed: 'changed',
  Closed: 'closed',
  GitHubRequests: 'github-requests',
  KubeRequests: 'kube-requests',
} as const;
