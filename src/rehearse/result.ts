// What a rehearsal shows: the `--json` contract (schema/rehearsal-result.schema.json),
// built from the simulated GitHub and cluster after the story. Expectations read only
// this, so what they judge is what a user can see.

export interface ShownComment {
  author: string;
  body: string;
}

export interface ShownIssue {
  number: number;
  kind: 'pr' | 'issue';
  title: string;
  state: 'open' | 'closed' | 'merged';
  labels: string[];
  body: string;
  author: string;
  comments: ShownComment[];
  /** Files on the incident branch that differ from the default branch (pull requests). */
  files: Record<string, string>;
}

export interface ClusterWrite {
  /** The cluster written to. */
  cluster: string;
  method: string;
  path: string;
  dryRun: boolean;
  /** The API server's answer: a refused write was still attempted. */
  status: number;
}

/** A pod as `kubectl get pods -o wide` shows it. */
export interface PodShown {
  cluster: string;
  namespace: string;
  name: string;
  /** kubectl's STATUS column: Running, ImagePullBackOff, CrashLoopBackOff, Terminating… */
  status: string;
  ready: boolean;
  restarts: number;
  node: string;
}

/** A node as `kubectl get nodes` shows it. */
export interface NodeShown {
  cluster: string;
  name: string;
  ready: boolean;
  schedulable: boolean;
}

export interface RunShown {
  workflow: string;
  /** `kubemend / intake`, `doctor`, with a matrix job's values in parentheses. */
  job: string;
  conclusion: 'success' | 'failure' | 'skipped';
}

export interface StepShown {
  at: string;
  kind: string;
  /** One line saying what the step did. */
  summary: string;
  /** The jobs of the workflow runs the step started. */
  runs: RunShown[];
  /** How many workflow runs the step started (each costs runner minutes). */
  workflowRuns: number;
  github: { requests: number; writes: number };
  cluster: { writes: ClusterWrite[] };
}

export interface ExpectationShown {
  ok: boolean;
  message: string;
  /** The expectation's path in the file, such as incident.labels.exclude. */
  path: string;
  /** Listed under known-failing: reported, not counted. */
  knownFailing?: string;
}

export interface RehearsalResult {
  rehearsal: {
    file: string;
    /** The first cluster's scenario and name. */
    scenario: string;
    cluster: string;
    /** Every simulated cluster, and whether the KUBECONFIG secret has credentials for it. */
    clusters: { name: string; scenario: string; credentials: boolean }[];
    repository: string;
  };
  /** The issues and pull requests kubemend opened as incidents, oldest first. */
  incidents: ShownIssue[];
  /** Every issue and pull request in the repository, oldest first. */
  issues: ShownIssue[];
  /** Every write kubemend's runs sent to a cluster, dry runs marked; the pods and nodes at the end (every cluster's, each naming its own). */
  cluster: { writes: ClusterWrite[]; pods: PodShown[]; nodes: NodeShown[] };
  /** Requests kubemend's runs sent to GitHub (the story's own steps not counted). */
  github: { requests: number; writes: number };
  steps: StepShown[];
  expectations: ExpectationShown[];
  /** Every step ran and every expectation not listed as known-failing held. */
  ok: boolean;
}
