// Lambda entry point for the Step Functions task: moves one remediation one step.
// The state machine loops Advance -> Wait(waitSeconds) -> Advance until done.
import * as z from 'zod/mini';
import { loadConfig, type AppConfig } from '../config.js';
import { recordRemediationOutcome } from '../operations/metrics.js';
import { accountAccess } from '../remediation/accountAccess.js';
import { remediationServices } from '../remediation/runtime.js';
import type { AdvanceResult } from '../remediation/types.js';
import { abort, advance } from '../remediation/workflow.js';
import { loadBotToken } from '../slack/secrets.js';
import { requestMessages } from '../slack/requestMessages.js';
import { webClient } from '../slack/webClient.js';

// `abort` comes from the state machine's Catch, with the error that exhausted its retries.
const eventSchema = z.looseObject({ remediationId: z.uuid(), abort: z.optional(z.boolean()), error: z.optional(z.string()) });

export async function handleAdvance(event: unknown, config: AppConfig): Promise<AdvanceResult & { remediationId: string }> {
  const { remediationId, abort: aborting, error } = eventSchema.parse(event);
  const token = await loadBotToken(config.slack);
  // Progress edits give up on a 429 (the next step edits again); the closing thread notice, sent once, waits it out.
  const services = remediationServices(config, requestMessages(webClient(config, token, 'workflow'), webClient(config, token, 'notice')));
  // announce() is called once, when the workflow reaches its end: the outcome metric goes with it.
  const announce = services.announce;
  services.announce = async (r) => {
    recordRemediationOutcome(r.kind, r.status);
    await announce(r);
  };
  const runtime = { ...services, ...accountAccess(config, 'write') };
  const deps = { ...runtime, pollSeconds: config.remediation.pollSeconds, taskRunTimeoutSeconds: config.remediation.taskRunTimeoutMinutes * 60 };
  const result = aborting ? await abort(remediationId, error ?? 'an unknown error', deps) : await advance(remediationId, deps);
  return { ...result, remediationId };
}

export const handler = async (event: unknown) => handleAdvance(event, loadConfig());
