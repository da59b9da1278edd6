// What the scan state machine passes to its two functions (deploy/scan-state-machine.json).
// Validated on arrival: a payload that is not ours changes nothing.
import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../config.js';

const slackId = z.string().check(z.regex(/^[A-Z0-9]{2,}$/));
/** Step Functions execution names: 1-80 of letters, digits, - and _. */
const runId = z.string().check(z.regex(/^[\w-]{1,80}$/));

export const triggerSchema = z.union([
  z.strictObject({ trigger: z.literal('schedule') }),
  z.strictObject({ trigger: z.literal('command'), channelId: slackId, userId: slackId }),
]);

const claimed = z.array(z.strictObject({ channelId: slackId, id: z.string().check(z.regex(/^[0-9a-f]{6}$/)) })).check(z.maxLength(10_000));

export const digestStepSchema = z.union([
  z.strictObject({ step: z.literal('due'), runId, trigger: triggerSchema }),
  z.strictObject({
    step: z.literal('digest'),
    runId,
    subscriptions: claimed,
    /** The state machine's error output ({ Error, Cause } as JSON) when the accounts could not be listed. */
    failure: z.optional(z.string().check(z.maxLength(262_144))),
  }),
]);

export const scanStepSchema = z.union([
  z.strictObject({ step: z.literal('targets'), runId, trigger: triggerSchema }),
  z.strictObject({
    step: z.literal('account'),
    runId,
    accountId: z.string().check(z.regex(ACCOUNT_PATTERN)),
    regions: z.array(z.string().check(z.regex(REGION_PATTERN))).check(z.minLength(1), z.maxLength(30)),
  }),
]);

export type DigestStep = z.infer<typeof digestStepSchema>;
export type ScanStep = z.infer<typeof scanStepSchema>;

/** A payload that is not one of ours: the state machine fails the step, and nothing ran. */
export class InvalidStepError extends Error {
  override readonly name = 'InvalidStepError';
}

export function parseStep<T>(schema: z.ZodMiniType<T>, event: unknown): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new InvalidStepError(`Refused a malformed step: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** "AccessDeniedException: You don't have permissions…" from a Step Functions error output ({ Error, Cause } as JSON). */
export function describeStepFailure(failure: string): string {
  try {
    const { Error: error, Cause: cause } = JSON.parse(failure) as { Error?: string; Cause?: string };
    let detail = cause ?? '';
    try {
      // A Lambda function's error: the cause is its own JSON ({ errorType, errorMessage, trace }).
      const lambda = JSON.parse(detail) as { errorMessage?: string; errorType?: string };
      detail = lambda.errorMessage ?? detail;
    } catch {
      // A plain text cause (States.Timeout and the like).
    }
    return [error, detail.split('\n')[0]].filter(Boolean).join(': ').slice(0, 500) || 'unknown error';
  } catch {
    return failure.slice(0, 500);
  }
}
