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

export const workerJobSchema = z.discriminatedUnion('kind', [checkJobSchema]);

export type CheckJob = z.infer<typeof checkJobSchema>;
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
