// The sweep action: the incidents' heartbeat, run on a schedule. It reads its inputs,
// builds the GitHub and cluster clients and hands them to the sweep stage; what the
// stage did becomes the outputs, the job summary, annotations and one log line.
import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { sweep } from '../../sweep/stage.js';
import { readEvent, requiredRepository, runUrl, serverUrl } from '../event.js';
import { baseInput } from '../intake/inputs.js';
import { notifierFor, notifyOf } from '../notify-inputs.js';
import { sweepClusters } from '../../sweep/clusters.js';
import { getSweepInputs, listClustersInputs } from './inputs.js';
import { summarizeSweep, writeClusters, writeSweepOutputs } from './outputs.js';

export async function run(): Promise<void> {
  const listing = listClustersInputs();
  if (listing) {
    // The reusable workflow's first, light job: one sweep job per cluster follows.
    writeClusters(sweepClusters(loadConfig(listing.configPath), listing.cluster));
    return;
  }
  const inputs = getSweepInputs();
  const config = loadConfig(inputs.configPath);
  const repository = requiredRepository();
  const github = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
  };
  const pacing = pacingFromEnv();
  const outcome = await sweep({
    github,
    config,
    ...(inputs.scan
      ? {
          scan: {
            cluster: inputs.cluster,
            intake: {
              mode: inputs.mode,
              base: baseInput(undefined),
              labels: [],
              serverUrl: serverUrl(),
              backoffMs: pacing.backoffMs,
              log: { info: core.info, warning: core.warning },
            },
          },
        }
      : {}),
    kubeconfig: inputs.kubeconfig,
    ...(inputs.cluster ? { cluster: inputs.cluster } : {}),
    contextChosen: inputs.contextChosen,
    ...notifyOf(notifierFor(config, inputs.notify)),
    log: core.info,
    runUrl: runUrl(repository),
    // schedule or workflow_dispatch, for the incident's timeline.
    trigger: readEvent().name,
  });
  writeSweepOutputs(outcome);
  await summarizeSweep(outcome);
}
