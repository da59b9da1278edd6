// Lambda entry point for the Step Functions task: moves one remediation one step.
// The state machine loops Advance -> Wait(waitSeconds) -> Advance until done.
import * as z from 'zod/mini';
import { loadConfig, type AppConfig } from '../config.js';
import { accountAccess } from '../remediation/accountAccess.js';
import { remediationServices } from '../remediation/runtime.js';
import type { AdvanceResult } from '../remediation/types.js';
import { advance } from '../remediation/workflow.js';
import { loadBotToken } from '../slack/secrets.js';
import { webClient } from '../slack/webClient.js';

const eventSchema = z.looseObject({ remediationId: z.uuid() });

export async function handleAdvance(event: unknown, config: AppConfig): Promise<AdvanceResult & { remediationId: string }> {
  const { remediationId } = eventSchema.parse(event);
  const runtime = { ...remediationServices(config, webClient(config, await loadBotToken(config.slack))), ...accountAccess(config, 'write') };
  const result = await advance(remediationId, {
    ...runtime,
    pollSeconds: config.remediation.pollSeconds,
    taskRunTimeoutSeconds: config.remediation.taskRunTimeoutMinutes * 60,
  });
  return { ...result, remediationId };
}

export const handler = async (event: unknown) => handleAdvance(event, loadConfig());
