// Work the Slack handler hands to the worker Lambda (invoked asynchronously so Slack gets
// its answer at once). The payload is validated on arrival: the worker trusts nothing.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../config.js';

export const checkJobSchema = z
  .object({
    kind: z.literal('check'),
    request: z
      .object({
        regions: z.array(z.string().regex(REGION_PATTERN)).min(1).max(30).optional(),
        accounts: z.array(z.string().regex(ACCOUNT_PATTERN)).min(1).max(100).optional(),
        transform: z.string().min(1).max(255).optional(),
      })
      .strict(),
    channelId: z.string().min(1).max(64),
    userId: z.string().min(1).max(64),
    teamId: z.string().min(1).max(64).optional(),
    responseUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

const requester = {
  channelId: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  teamId: z.string().min(1).max(64).optional(),
  responseUrl: z.url({ protocol: /^https?$/ }).optional(),
};

/** A Remediate / Revert / Retire click: the worker builds the plan and posts the approval request. */
export const planJobSchema = z
  .object({
    kind: z.literal('plan'),
    action: z.enum(['remediate', 'revert', 'retire']),
    accountId: z.string().regex(ACCOUNT_PATTERN).optional(),
    region: z.string().regex(REGION_PATTERN).optional(),
    transformId: z.string().min(1).max(255).optional(),
    parentId: z.uuid().optional(),
    ...requester,
  })
  .strict()
  .refine((j) => (j.action === 'remediate' ? !!(j.accountId && j.region && j.transformId) : !!j.parentId), {
    message: 'remediate needs accountId, region and transformId; revert and retire need parentId',
  });

/** The requester picked another key for a pending request. */
export const replanJobSchema = z
  .object({ kind: z.literal('replan'), remediationId: z.uuid(), keyId: z.string().min(1).max(2048), ...requester })
  .strict();

export const historyJobSchema = z.object({ kind: z.literal('history'), transform: z.string().min(1).max(255), ...requester }).strict();
export const statusJobSchema = z.object({ kind: z.literal('status'), ...requester }).strict();

export const workerJobSchema = z.union([checkJobSchema, planJobSchema, replanJobSchema, historyJobSchema, statusJobSchema]);

export type CheckJob = z.infer<typeof checkJobSchema>;
export type PlanJob = z.infer<typeof planJobSchema>;
export type ReplanJob = z.infer<typeof replanJobSchema>;
export type HistoryJob = z.infer<typeof historyJobSchema>;
export type StatusJob = z.infer<typeof statusJobSchema>;
export type WorkerJob = z.infer<typeof workerJobSchema>;

export interface JobDispatcher {
  dispatch(job: WorkerJob): Promise<void>;
}

/** Invokes the worker Lambda with InvocationType Event: returns once Lambda has queued it. */
export class LambdaDispatcher implements JobDispatcher {
  private readonly lambda: LambdaClient;

  constructor(
    private readonly functionName: string,
    lambda?: LambdaClient,
  ) {
    this.lambda = lambda ?? new LambdaClient({ maxAttempts: 3 });
  }

  async dispatch(job: WorkerJob): Promise<void> {
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(job)),
      }),
    );
    if (out.StatusCode !== 202) throw new Error(`Lambda did not queue the job (status ${out.StatusCode ?? 'none'})`);
  }
}
