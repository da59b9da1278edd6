// AWS IAM (awsQuery: form-encoded "Action=...&Version=2010-05-08&..." in, XML out):
// SimulatePrincipalPolicy over the roles seeded with state.addRole.
import { parseRoleArn } from './arns.js';
import { AwsError } from './errors.js';
import { evaluatePolicy } from './iam-policy.js';
import { queryResponse } from './protocol.js';
import type { Service } from './service.js';
import type { SandboxState } from './state.js';

export const IAM_VERSION = '2010-05-08';
export const IAM_XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** awsQuery lists arrive as Name.member.1, Name.member.2, ... */
function memberList(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let n = 1; params.has(`${name}.member.${n}`); n++) values.push(params.get(`${name}.member.${n}`) ?? '');
  return values;
}

function missing(member: string): AwsError {
  return new AwsError('ValidationError', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
}

export function iamService(state: SandboxState): Service {
  return {
    name: 'iam',
    protocol: 'query',
    xmlNamespace: IAM_XML_NAMESPACE,
    async handle({ caller, operation, body, requestId }) {
      if (operation !== 'SimulatePrincipalPolicy') {
        throw new AwsError('InvalidAction', `Could not find operation ${operation} for version ${IAM_VERSION}`);
      }
      const params = new URLSearchParams(body);
      const sourceArn = params.get('PolicySourceArn');
      if (!sourceArn) throw missing('policySourceArn');
      const actions = memberList(params, 'ActionNames');
      if (actions.length === 0) throw missing('actionNames');
      const resources = memberList(params, 'ResourceArns');

      const role = parseRoleArn(sourceArn);
      if (!role) {
        // Only roles are modelled: a user or group ARN names nobody the sandbox knows.
        const other = /^arn:aws:iam::\d{12}:(user|group)\/(?:.*\/)?([^/]+)$/.exec(sourceArn);
        if (other) throw new AwsError('NoSuchEntity', `The ${other[1]} with name ${other[2]} cannot be found.`, 404);
        throw new AwsError('InvalidInput', `ARN ${sourceArn} is not valid.`);
      }
      if (role.accountId !== caller.accountId) {
        throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${sourceArn}`, 403);
      }
      const policy = state.rolePolicy(role.accountId, role.roleName);
      if (!policy) throw new AwsError('NoSuchEntity', `The role with name ${role.roleName} cannot be found.`, 404);

      const evaluated = actions.flatMap((action) =>
        (resources.length > 0 ? resources : ['*']).map((resource) => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: evaluatePolicy(policy, action, resource),
        })),
      );
      return queryResponse(operation, { EvaluationResults: evaluated, IsTruncated: false }, requestId, IAM_XML_NAMESPACE);
    },
  };
}
