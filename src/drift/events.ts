// CloudTrail management events as EventBridge delivers them ("AWS API Call via CloudTrail"),
// read into what drift needs: which account and region, who did it, and what it touched.
// Anything else is refused with a reason (and logged by the caller), never acted on.
import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../config.js';

export const GLUE_EVENTS = ['CreateMLTransform', 'UpdateMLTransform', 'DeleteMLTransform', 'CreateSecurityConfiguration', 'DeleteSecurityConfiguration'] as const;
export const KMS_EVENTS = ['DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'EnableKey', 'DisableKeyRotation', 'PutKeyPolicy'] as const;
export type DriftEventName = (typeof GLUE_EVENTS)[number] | (typeof KMS_EVENTS)[number];

export type DriftSubject =
  | { kind: 'transform'; transformId?: string; name?: string }
  | { kind: 'key'; key: string }
  | { kind: 'securityConfiguration'; name: string };

export interface Actor {
  type?: string;
  arn?: string;
  /** Who, as a person reads it: the IAM user, the role session, or the service. */
  display: string;
}

export interface DriftEvent {
  eventId: string;
  eventName: DriftEventName;
  eventTime: string;
  accountId: string;
  region: string;
  actor: Actor;
  subject: DriftSubject;
  /** The request's tags, when it carried some (CreateMLTransform): the bot tags what it creates. */
  requestTags: Record<string, string>;
}

const text = z.string().check(z.minLength(1), z.maxLength(2048));
const envelope = z.object({
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  source: z.enum(['aws.glue', 'aws.kms']),
  account: z.string().check(z.regex(ACCOUNT_PATTERN)),
  region: z.string().check(z.regex(REGION_PATTERN)),
  detail: z.object({
    eventID: text,
    eventName: text,
    eventTime: text,
    eventSource: z.enum(['glue.amazonaws.com', 'kms.amazonaws.com']),
    awsRegion: z.optional(z.string().check(z.regex(REGION_PATTERN))),
    errorCode: z.optional(z.string()),
    userIdentity: z.optional(
      z.object({
        type: z.optional(z.string()),
        arn: z.optional(z.string()),
        userName: z.optional(z.string()),
        invokedBy: z.optional(z.string()),
        sessionContext: z.optional(z.object({ sessionIssuer: z.optional(z.object({ userName: z.optional(z.string()) })) })),
      }),
    ),
    requestParameters: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
    responseElements: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  }),
});

export type Parsed = { ok: true; event: DriftEvent } | { ok: false; reason: string };

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : undefined);

function actorOf(identity: z.infer<typeof envelope>['detail']['userIdentity']): Actor {
  const arn = identity?.arn;
  // assumed-role/<role>/<session>: the role and the person or tool behind the session.
  const assumed = arn ? /:assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
  const display = assumed ? `${assumed[2]} (role ${assumed[1]})` : (identity?.userName ?? identity?.invokedBy ?? arn ?? identity?.type ?? 'unknown');
  return { ...(identity?.type ? { type: identity.type } : {}), ...(arn ? { arn } : {}), display };
}

function subjectOf(name: DriftEventName, req: Record<string, unknown>, res: Record<string, unknown>): DriftSubject | undefined {
  switch (name) {
    case 'CreateMLTransform':
    case 'UpdateMLTransform':
    case 'DeleteMLTransform': {
      const transformId = str(res.transformId) ?? str(req.transformId);
      const transformName = str(req.name);
      return transformId || transformName ? { kind: 'transform', ...(transformId ? { transformId } : {}), ...(transformName ? { name: transformName } : {}) } : undefined;
    }
    case 'CreateSecurityConfiguration':
    case 'DeleteSecurityConfiguration': {
      const configName = str(req.name) ?? str(res.name);
      return configName ? { kind: 'securityConfiguration', name: configName } : undefined;
    }
    default: {
      // The response names the key by ARN when there is one (ScheduleKeyDeletion, CancelKeyDeletion).
      const key = str(res.keyId) ?? str(req.keyId);
      return key ? { kind: 'key', key } : undefined;
    }
  }
}

export function parseCloudTrailEvent(raw: unknown): Parsed {
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `not a CloudTrail API event of Glue or KMS (${parsed.error.issues[0]?.path.join('.') ?? ''})` };
  const { account, region, detail } = parsed.data;
  const known: readonly string[] = detail.eventSource === 'glue.amazonaws.com' ? GLUE_EVENTS : KMS_EVENTS;
  if (!known.includes(detail.eventName)) return { ok: false, reason: `${detail.eventName} is not an event drift watches` };
  // A call AWS refused changed nothing.
  if (detail.errorCode) return { ok: false, reason: `${detail.eventName} failed (${detail.errorCode}): nothing changed` };
  const eventName = detail.eventName as DriftEventName;
  const req = detail.requestParameters ?? {};
  const res = detail.responseElements ?? {};
  const subject = subjectOf(eventName, req, res);
  if (!subject) return { ok: false, reason: `${eventName} names no transform, key or security configuration` };
  const tags = req.tags && typeof req.tags === 'object' ? Object.fromEntries(Object.entries(req.tags as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return {
    ok: true,
    event: { eventId: detail.eventID, eventName, eventTime: detail.eventTime, accountId: account, region: detail.awsRegion ?? region, actor: actorOf(detail.userIdentity), subject, requestTags: tags },
  };
}

/** The subject as one key: what a burst of events is grouped by. */
export function subjectKey(e: DriftEvent): string {
  const s = e.subject;
  const id = s.kind === 'transform' ? (s.transformId ?? `name:${s.name ?? ''}`) : s.kind === 'key' ? s.key.replace(/^arn:[^:]+:kms:[^:]+:\d+:key\//, '') : s.name;
  return `${e.accountId}#${e.region}#${s.kind}#${id}`;
}
