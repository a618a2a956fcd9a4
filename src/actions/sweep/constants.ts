import { DEFAULT_CONFIG_PATH } from '../../shared/constants.js';

export const Inputs = {
  Kubeconfig: 'kubeconfig',
  Context: 'context',
  AllowExecCredentials: 'allow-exec-credentials',
  GitHubToken: 'github-token',
  Config: 'config',
  Scan: 'scan',
  Cluster: 'cluster',
  IncidentMode: 'incident-mode',
  NotifySecrets: 'notify-secrets',
  ListClusters: 'list-clusters',
} as const;

export const Defaults = {
  [Inputs.AllowExecCredentials]: 'false',
  [Inputs.Config]: DEFAULT_CONFIG_PATH,
  [Inputs.Scan]: 'true',
  [Inputs.IncidentMode]: 'pr',
  [Inputs.ListClusters]: 'false',
} as const;

export const Outputs = {
  Incidents: 'incidents',
  Changed: 'changed',
  Closed: 'closed',
  GitHubRequests: 'github-requests',
  KubeRequests: 'kube-requests',
  Findings: 'findings',
  Alerts: 'alerts',
  ScanIncidents: 'scan-incidents',
  ScanPath: 'scan-path',
  Clusters: 'clusters',
} as const;
