// Refused clicks and commands leave an audit event too, even those refused before they reach a
// remediation (a damaged button, another workspace, remediation not enabled). The slack
// handler builds its DynamoDB client only when it first needs one: most requests are not refused.
import { CLICK_PATH_CLIENT } from '../operations/clickPath.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditLog, type AuditEventInput } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { auditSubject } from '../remediation/lifecycle.js';
import { RemediationStore } from '../remediation/store.js';

/** What was refused (`<action>.refused`), who asked, why, and what it was about when known. */
export type Refusal = Omit<AuditEventInput, 'type' | 'outcome' | 'detail'> & {
  action: string;
  detail: string;
  /**
   * The button's raw value. When it names an existing request (`{"id": "<uuid>", ...}`), the
   * event is filed under that request's transform, so its history shows the attempt.
   */
  value?: string;
};

/** Appends a refusal; never throws (a refusal the audit table did not take is logged, and the person is still told). */
export type RefusalAuditor = (refusal: Refusal) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request id a button value claims to name, if it looks like one of ours. */
function claimedRequestId(value: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(value ?? '') as { id?: unknown } | null)?.id;
    return typeof id === 'string' && UUID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export function refusalAuditor(config: AppConfig, onError: (err: unknown) => void): RefusalAuditor {
  let dynamo: DynamoDBClient | undefined;
  let log: AuditLog | undefined;
  let store: RemediationStore | undefined;
  return async ({ action, value, ...event }) => {
    const table = config.tables.audit;
    if (!table) return;
    try {
      dynamo ??= new DynamoDBClient(CLICK_PATH_CLIENT); // on the click's path: bounded
      log ??= new AuditLog(dynamo, table);
      const id = claimedRequestId(value);
      let subject: Partial<AuditEventInput> = {};
      if (id && config.tables.state) {
        store ??= new RemediationStore(dynamo, config.tables.state);
        const r = await store.get(id).catch(() => undefined);
        if (r) subject = auditSubject(r);
      }
      // What the click itself says (its channel and message) wins over what the request recorded.
      const known = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));
      await log.append({ ...subject, ...known, actor: event.actor, type: `${action}.refused`, outcome: 'refused', detail: event.detail });
    } catch (err) {
      onError(err);
    }
  };
}
