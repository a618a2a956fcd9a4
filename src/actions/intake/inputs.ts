import { LIMITS } from '../../alerts/model.js';
import { INCIDENT_MODES, type IncidentMode } from '../../shared/constants.js';
import { showValue, UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import { readEvent, requiredRepository } from '../event.js';
import { enumInput, jsonInput, optionalInput, secretInput, workspacePathInput } from '../inputs.js';
import { clusterNameInput, labelsInput, refNameInput } from '../name-inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface IntakeInputs {
  token: string;
  mode: IncidentMode;
  /** Cluster name for payloads that carry none. */
  cluster: string | undefined;
  configPath: string;
  /**
   * Base branch of incidents; undefined means the repository's default branch. Its head
   * commit is known without a request when the run was started on that branch.
   */
  base: { branch: string | undefined; sha: string | undefined };
  repository: { owner: string; repo: string };
  payload: Record<string, unknown>;
  labels: string[];
}

export function getIntakeInputs(): IntakeInputs {
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write contents, pull requests and issues',
  );
  const mode = enumInput(Inputs.Mode, INCIDENT_MODES, Defaults[Inputs.Mode]);
  const cluster = clusterNameInput(Inputs.Cluster);
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const labels = labelsInput(Inputs.Labels);
  return {
    token,
    mode,
    cluster,
    configPath,
    base: baseInput(Inputs.Base),
    repository: requiredRepository(),
    payload: payloadInput(Inputs.Payload),
    labels,
  };
}

/** The base branch; a repository_dispatch run starts on the default branch, at its head. */
export function baseInput(input: string | undefined): IntakeInputs['base'] {
  const given = input === undefined ? undefined : refNameInput(input);
  const ref = /^refs\/heads\/(.+)$/.exec(process.env.GITHUB_REF ?? '')?.[1];
  const sha = process.env.GITHUB_SHA ?? '';
  const known = /^[0-9a-f]{40}$/.test(sha) && !/^0+$/.test(sha) ? sha : undefined;
  if (given === undefined) return { branch: ref, sha: ref ? known : undefined };
  return { branch: given, sha: given === ref ? known : undefined };
}

/** The alert payload: the `payload` input, or the dispatch event's `client_payload`. */
export function payloadInput(input: string): Record<string, unknown> {
  const bytes = Buffer.byteLength(optionalInput(input));
  if (bytes > LIMITS.payloadBytes) {
    throw new UsageError(
      `Input '${input}' is ${bytes} bytes; allowed: at most ${LIMITS.payloadBytes} bytes of JSON.`,
    );
  }
  const given = jsonInput(input, 'a JSON object (an alert payload)');
  if (given !== undefined) {
    if (!isObject(given)) {
      throw new UsageError(
        `Input '${input}' is ${showValue(optionalInput(input))}; expected a JSON object (an alert payload).`,
      );
    }
    return given;
  }
  const event = readEvent();
  const clientPayload = event.payload.client_payload;
  if (isObject(clientPayload)) {
    const size = eventPayloadBytes(clientPayload);
    if (size > LIMITS.payloadBytes) {
      throw new UsageError(
        `client_payload is ${size} bytes; allowed: at most ${LIMITS.payloadBytes} bytes of JSON.`,
      );
    }
    return clientPayload;
  }
  throw new UsageError(
    `Input '${input}' is required when the event (${event.name || 'none'}) has no client_payload: run on repository_dispatch or pass payload.`,
  );
}

/** The payload's size as JSON; a payload too deep to serialise is left to the depth check. */
function eventPayloadBytes(payload: Record<string, unknown>): number {
  try {
    return Buffer.byteLength(JSON.stringify(payload));
  } catch {
    return 0;
  }
}
