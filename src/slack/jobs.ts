// Work the Slack handler hands to the worker Lambda (invoked asynchronously so Slack gets
// its answer at once). The payload is validated on arrival: the worker trusts nothing.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../config.js';
import { CLICK_PATH_CLIENT } from '../operations/clickPath.js';

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const requester = {
  channelId: text(64),
  userId: text(64),
  teamId: z.optional(text(64)),
  responseUrl: z.optional(z.url({ protocol: /^https?$/ })),
};

export const checkJobSchema = z.strictObject({
  kind: z.literal('check'),
  request: z.strictObject({
    regions: z.optional(z.array(z.string().check(z.regex(REGION_PATTERN))).check(z.minLength(1), z.maxLength(30))),
    accounts: z.optional(z.array(z.string().check(z.regex(ACCOUNT_PATTERN))).check(z.minLength(1), z.maxLength(100))),
    transform: z.optional(text(255)),
  }),
  ...requester,
});

/** A Remediate / Revert / Retire click: the worker builds the plan and posts the approval request. */
export const planJobSchema = z
  .strictObject({
    kind: z.literal('plan'),
    action: z.enum(['remediate', 'revert', 'retire']),
    accountId: z.optional(z.string().check(z.regex(ACCOUNT_PATTERN))),
    region: z.optional(z.string().check(z.regex(REGION_PATTERN))),
    transformId: z.optional(text(255)),
    parentId: z.optional(z.uuid()),
    ...requester,
  })
  .check(
    z.refine((j) => (j.action === 'remediate' ? !!(j.accountId && j.region && j.transformId) : !!j.parentId), {
      message: 'remediate needs accountId, region and transformId; revert and retire need parentId',
    }),
  );

/**
 * The requester picked another key for a pending request: the option's place in the key menu
 * (the worker lists the keys again) and the text it showed, to notice a menu that changed.
 */
export const replanJobSchema = z.strictObject({
  kind: z.literal('replan'),
  remediationId: z.uuid(),
  keyIndex: z.int().check(z.gte(0), z.lt(100)),
  keyText: z.optional(text(200)),
  ...requester,
});

export const historyJobSchema = z.strictObject({ kind: z.literal('history'), transform: text(255), ...requester });
export const statusJobSchema = z.strictObject({ kind: z.literal('status'), ...requester });

/** Update a request's message after a decision: off the click's path, where Slack's rate limits may be waited out. */
export const notifyJobSchema = z.strictObject({ kind: z.literal('notify'), remediationId: z.uuid() });
/** The expiry sweep, started by the worker's schedule (serverless.yml), not by Slack. */
export const sweepJobSchema = z.strictObject({ kind: z.literal('sweep') });
/** /glue-encrypt report: scan, read the audit trail since the day given, upload the file here. */
export const reportJobSchema = z.strictObject({
  kind: z.literal('report'),
  since: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  format: z.enum(['csv', 'json']),
  ...requester,
});
export type ReportJob = z.infer<typeof reportJobSchema>;

/** Someone opened the app's Home tab: publish theirs. */
export const homeJobSchema = z.strictObject({ kind: z.literal('home'), userId: z.string().check(z.regex(/^[UW][A-Z0-9]{2,}$/)) });
/** A waiver was asked for or decided: post its message (or bring it up to date) and tell its thread. */
export const waiverJobSchema = z.strictObject({ kind: z.literal('waiver'), waiverId: z.uuid() });
export type WaiverJob = z.infer<typeof waiverJobSchema>;
export const workerJobSchema = z.union([checkJobSchema, planJobSchema, replanJobSchema, historyJobSchema, statusJobSchema, notifyJobSchema, sweepJobSchema, homeJobSchema, reportJobSchema, waiverJobSchema]);

export type CheckJob = z.infer<typeof checkJobSchema>;
export type PlanJob = z.infer<typeof planJobSchema>;
export type ReplanJob = z.infer<typeof replanJobSchema>;
export type HistoryJob = z.infer<typeof historyJobSchema>;
export type StatusJob = z.infer<typeof statusJobSchema>;
export type NotifyJob = z.infer<typeof notifyJobSchema>;
export type HomeJob = z.infer<typeof homeJobSchema>;
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
    // On the path of a Slack request: bounded, so a slow Lambda API becomes a message in time.
    this.lambda = lambda ?? new LambdaClient(CLICK_PATH_CLIENT);
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
