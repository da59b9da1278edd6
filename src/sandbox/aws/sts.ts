// AWS STS (awsQuery: form-encoded "Action=...&Version=2011-06-15&..." in, XML out).
// AssumeRole issues credentials whose access key names the role's account, so every later call
// signed with them lands in that account's state.
import { parseRoleArn } from './arns.js';
import { AwsError } from './errors.js';
import { queryResponse } from './protocol.js';
import type { Service } from './service.js';
import type { SandboxState } from './state.js';

export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

export function stsService(state: SandboxState): Service {
  return {
    name: 'sts',
    protocol: 'query',
    xmlNamespace: STS_XML_NAMESPACE,
    async handle({ caller, operation, body, requestId }) {
      const params = new URLSearchParams(body);
      if (operation === 'GetCallerIdentity') {
        return queryResponse(operation, { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn }, requestId, STS_XML_NAMESPACE);
      }
      if (operation !== 'AssumeRole') throw new AwsError('InvalidAction', `Could not find operation ${operation} for version 2011-06-15`);

      const roleArn = params.get('RoleArn') ?? '';
      const sessionName = params.get('RoleSessionName') ?? '';
      const role = parseRoleArn(roleArn);
      if (!role) throw validation(`${roleArn || 'RoleArn'} is not a valid role ARN`);
      if (!SESSION_NAME.test(sessionName)) {
        throw validation(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`);
      }
      const duration = Number(params.get('DurationSeconds') ?? 3600);
      if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
        throw validation(`1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint`);
      }
      const { accountId, roleName } = role;
      if (state.isAssumeRoleDenied(accountId)) {
        throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
      }
      const issued = state.issueCredentials(accountId, roleArn, sessionName, duration);
      return queryResponse(
        operation,
        {
          Credentials: {
            AccessKeyId: issued.accessKeyId,
            SecretAccessKey: issued.secretAccessKey,
            SessionToken: issued.sessionToken,
            Expiration: issued.expiration,
          },
          AssumedRoleUser: {
            AssumedRoleId: `AROA${accountId}EXAMPLE:${sessionName}`,
            Arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
          },
        },
        requestId,
        STS_XML_NAMESPACE,
      );
    },
  };
}
