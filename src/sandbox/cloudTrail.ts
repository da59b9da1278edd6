// CloudTrail management events as EventBridge delivers them ("AWS API Call via CloudTrail"),
// shaped as the AWS docs' examples: what the demo, tests and benchmarks hand the drift function.
import { randomUUID } from 'node:crypto';

export interface CloudTrailEventOptions {
  account: string;
  region: string;
  /** Who made the call; an assumed role by default. */
  actorArn?: string;
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
  /** Set when AWS refused the call. */
  errorCode?: string;
}

export function cloudTrailEvent(source: 'glue' | 'kms', eventName: string, o: CloudTrailEventOptions) {
  const now = new Date().toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${source}`,
    account: o.account,
    time: now,
    region: o.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:mallory',
        arn: o.actorArn ?? `arn:aws:sts::${o.account}:assumed-role/Admin/mallory`,
        accountId: o.account,
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'Admin' } },
      },
      eventTime: now,
      eventSource: `${source}.amazonaws.com`,
      eventName,
      awsRegion: o.region,
      sourceIPAddress: '192.0.2.0',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: o.requestParameters ?? {},
      responseElements: o.responseElements ?? null,
      ...(o.errorCode ? { errorCode: o.errorCode } : {}),
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: o.account,
      eventCategory: 'Management',
    },
  };
}
