// The sweep stage: the incident's heartbeat, run on a schedule. For each open incident
// (and each merged proposal waiting for verification) it observes the targets on the
// cluster with list calls, finishes what the stable window waited for, undoes what
// kubemend did that the config says to undo after recovery, and closes stale incidents;
// it never closes an incident still firing at the source and leaves snoozed ones alone.
// With nothing to change it only reads. Called by the sweep action.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../config/config.js';
import type { GitHubClient } from '../github/client.js';

export interface SweepRequest {
  github: GitHubClient & { owner: string; repo: string };
  config: KubemendConfig;
  kubeconfig: KubeConfig;
  /** A line for the log; the stage redacts it. */
  log: (line: string) => void;
  /** The workflow run, linked from the timeline. */
  runUrl: string | undefined;
  /** Where the run came from, for the timeline (`schedule`, `workflow_dispatch`). */
  trigger: string;
}

/** What one incident's sweep did. */
export interface SweptIncident {
  number: number;
  /** The state before and after; equal when nothing changed. */
  from: string;
  to: string;
  /** Merged, closed, or why it stays open; one line. */
  ending: string | undefined;
}

export interface SweepOutcome {
  /** Incidents looked at: open ones and merged proposals awaiting verification. */
  incidents: number;
  /** Targets observed on the cluster. */
  targets: number;
  /** Incidents whose state or record changed, and what happened to each. */
  changed: SweptIncident[];
  closed: number;
  githubRequests: number;
  kubeRequests: number;
  /** What a person should know, one line each (annotations). */
  warnings: string[];
}

export async function sweep(request: SweepRequest): Promise<SweepOutcome> {
  void request;
  throw new Error('sweep: not built yet');
}
