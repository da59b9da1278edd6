// AWS Systems Manager Parameter Store (JSON 1.1, X-Amz-Target: AmazonSSM.<Operation>): the
// Slack secrets as the functions read them, and their rotation (a new version of a parameter).
import { AwsError } from './errors.js';
import { optionalString, requiredString } from './input.js';
import { jsonRpcService, type Service } from './service.js';

export const SSM_TARGET_PREFIX = 'AmazonSSM';

export interface StoredParameter {
  value: string;
  type: 'String' | 'SecureString';
  version: number;
  lastModified: Date;
}

/** Parameters by account, region and name. */
export class Parameters {
  private readonly byKey = new Map<string, StoredParameter>();

  private static key(accountId: string, region: string, name: string): string {
    return `${accountId}/${region}/${name}`;
  }

  get(accountId: string, region: string, name: string): StoredParameter | undefined {
    return this.byKey.get(Parameters.key(accountId, region, name));
  }

  /** Creates the parameter, or writes its next version. */
  put(accountId: string, region: string, name: string, value: string, type: StoredParameter['type'] = 'SecureString'): StoredParameter {
    const previous = this.get(accountId, region, name);
    const stored = { value, type, version: (previous?.version ?? 0) + 1, lastModified: new Date() };
    this.byKey.set(Parameters.key(accountId, region, name), stored);
    return stored;
  }
}

export function ssmService(parameters: Parameters): Service {
  return jsonRpcService('ssm', 'json1.1', {
    GetParameter(caller, input) {
      const name = requiredString(input, 'Name', 2048);
      const { region } = caller;
      const stored = parameters.get(caller.accountId, region, name);
      if (!stored) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
      const decrypt = input.WithDecryption === true;
      return {
        Parameter: {
          Name: name,
          Type: stored.type,
          // A SecureString read without decryption comes back as its ciphertext.
          Value: stored.type === 'SecureString' && !decrypt ? Buffer.from(`kms:${stored.value}`).toString('base64') : stored.value,
          Version: stored.version,
          LastModifiedDate: stored.lastModified.getTime() / 1000,
          ARN: `arn:aws:ssm:${region}:${caller.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
          DataType: 'text',
        },
      };
    },
    PutParameter(caller, input) {
      const name = requiredString(input, 'Name', 2048);
      const value = requiredString(input, 'Value', 8192);
      const type = (optionalString(input, 'Type') ?? 'String') as StoredParameter['type'];
      const { region } = caller;
      if (parameters.get(caller.accountId, region, name) && input.Overwrite !== true) {
        throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      }
      return { Version: parameters.put(caller.accountId, region, name, value, type).version, Tier: 'Standard' };
    },
  });
}
