// Wires the remediation use cases to real clients from the configuration. Two halves:
//  - services: DynamoDB stores, Step Functions, and the Slack progress message as given by the
//    caller (src/slack/requestMessages.ts), so nothing here renders a Slack view. The Slack handler
//    needs only these (it approves), so it never loads Glue, KMS or STS.
//  - account access: Glue and KMS clients for an account and region (member accounts through
//    the remediation role), for the worker and the workflow's advance function.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { AuditLog } from '../audit/auditLog.js';
import type { AppConfig } from '../config.js';
import { CLICK_PATH_CLIENT } from '../operations/clickPath.js';
import { RemediationStore } from './store.js';
import type { Remediation } from './types.js';

/** The Slack side of a remediation, given to the use cases from outside (they never render views). */
export interface RequestMessages {
  notify(r: Remediation): Promise<void>;
  announce(r: Remediation): Promise<void>;
}

export interface RemediationServices {
  store: RemediationStore;
  audit: AuditLog;
  startWorkflow(r: Remediation): Promise<void>;
  workflowRunning(r: Remediation): Promise<boolean>;
  /** Updates the remediation's Slack message to show where it stands. */
  notify(r: Remediation): Promise<void>;
  /** Tells the requester and the approver, in the request's thread, how the workflow ended. */
  announce(r: Remediation): Promise<void>;
}

export function requireTables(config: AppConfig): { audit: string; state: string } {
  const { audit, state } = config.tables;
  if (!audit || !state) throw new Error('GLUE_ENCRYPT_AUDIT_TABLE and GLUE_ENCRYPT_STATE_TABLE must be set for remediation');
  return { audit, state };
}

/** The execution of a remediation's workflow: named after the remediation. */
function executionArn(stateMachineArn: string, id: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${id}`;
}

/**
 * `click`: on the path of a Slack click, which must be answered within 3 s: each call is bounded
 * (and retried once), so a slow table or Step Functions becomes a message, not a missed answer.
 */
export function remediationServices(
  config: AppConfig,
  /** How a remediation's Slack message is updated and its thread told (src/slack/requestMessages.ts). */
  messages: RequestMessages,
  use: 'click' | 'background' = 'background',
): RemediationServices {
  const tables = requireTables(config);
  const click = use === 'click';
  const dynamo = new DynamoDBClient(click ? CLICK_PATH_CLIENT : { maxAttempts: 5 });
  const sfn = new SFNClient(click ? CLICK_PATH_CLIENT : { maxAttempts: 3 });
  const running = async (id: string): Promise<boolean> => {
    if (!config.remediation.stateMachineArn) return false;
    try {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(config.remediation.stateMachineArn, id) }));
      return out.status === 'RUNNING';
    } catch (err) {
      if ((err as Error).name === 'ExecutionDoesNotExist') return false;
      throw err;
    }
  };
  return {
    workflowRunning: (r) => running(r.id),
    store: new RemediationStore(dynamo, tables.state),
    audit: new AuditLog(dynamo, tables.audit),
    async startWorkflow(r) {
      if (!config.remediation.stateMachineArn) throw new Error('GLUE_ENCRYPT_STATE_MACHINE_ARN is not set');
      try {
        // The execution name is the remediation id: Step Functions refuses a second start.
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: config.remediation.stateMachineArn,
            name: r.id,
            input: JSON.stringify({ remediationId: r.id }),
          }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
        // Same name: fine while that execution runs (a retry of this very start); one that has
        // ended can never run this request again.
        if (!(await running(r.id))) throw new Error('this request already had a workflow, which has ended; request it again');
      }
    },
    notify: (r) => messages.notify(r),
    announce: (r) => messages.announce(r),
  };
}
