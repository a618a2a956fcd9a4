// The intake stage: a payload in, one incident per problem out; or, for a
// `kubemend-retry` dispatch, the incident's latest alert again with nothing written.
// Called by the intake action and by everything that composes stages.
import type { IntakeConfig } from '../config/config.js';
import { intake, type IntakeOutcome } from './intake.js';
import { retryIntake } from './retry.js';
import type { UpsertContext } from './upsert.js';

export interface IntakeRequest {
  /** The alert payload, or undefined for a retry. */
  payload: Record<string, unknown> | undefined;
  /** The incident a `kubemend-retry` dispatch names. */
  retry: number | undefined;
  /** Cluster name for payloads that carry none. */
  cluster: string | undefined;
  config: IntakeConfig;
}

export async function runIntake(
  request: IntakeRequest,
  context: UpsertContext,
): Promise<IntakeOutcome> {
  if (request.retry !== undefined) return retryIntake(context, request.retry);
  return intake(request.payload, { cluster: request.cluster, config: request.config }, context);
}
