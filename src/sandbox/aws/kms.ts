// AWS KMS (AWS JSON 1.1, X-Amz-Target: TrentService.<Operation>).
// Keys live per account+region: an endpoint only knows its own region's keys, so an ARN naming
// another region is not found, while an ARN naming another account (same region) is resolved there.
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { aliasArn, parseArn } from './arns.js';
import type { Caller } from './auth.js';
import { AwsError } from './errors.js';
import { optionalString, pageSize, requiredString } from './input.js';
import type { StoredKey } from './model.js';
import { paginate } from './paging.js';
import { jsonRpcService, type Service } from './service.js';
import type { SandboxState } from './state.js';

export const KMS_TARGET_PREFIX = 'TrentService';

interface ResolveOptions {
  /** DescribeKey, ListAliases and crypto calls take aliases; rotation and policy calls take only key id or ARN. */
  allowAlias: boolean;
  /** Only DescribeKey creates a missing AWS managed key behind a predefined "alias/aws/..." name. */
  describing?: boolean;
}

function notFoundKey(ref: string): AwsError {
  return new AwsError('NotFoundException', `Key '${ref}' does not exist`);
}

function resolveAlias(state: SandboxState, caller: Caller, accountId: string, aliasName: string, describing: boolean): StoredKey {
  const scope = { accountId, region: caller.region };
  const store = state.region(accountId, caller.region);
  const alias = store.aliases.get(aliasName);
  if (!alias && describing && aliasName.startsWith('alias/aws/') && accountId === caller.accountId) {
    // KMS creates an AWS managed key the first time its predefined alias is described.
    const service = aliasName.slice('alias/aws/'.length);
    return state.addKey(scope, {
      keyManager: 'AWS',
      description: `Default key that protects my ${service} data when no other key is defined`,
      aliases: [aliasName],
    });
  }
  const key = alias?.targetKeyId ? store.keys.get(alias.targetKeyId) : undefined;
  if (!key) throw new AwsError('NotFoundException', `Alias ${aliasArn(scope, aliasName)} is not found.`);
  return key;
}

function resolveKey(state: SandboxState, caller: Caller, ref: string, options: ResolveOptions): StoredKey {
  const describing = options.describing ?? false;
  if (ref.startsWith('arn:')) {
    const arn = parseArn(ref);
    if (!arn || arn.service !== 'kms' || !/^\d{12}$/.test(arn.accountId)) throw new AwsError('NotFoundException', `Invalid arn ${ref}`);
    if (arn.region !== caller.region) throw new AwsError('NotFoundException', `Invalid arn ${arn.region}`);
    if (arn.resource.startsWith('alias/')) {
      if (!options.allowAlias) throw new AwsError('NotFoundException', `Invalid keyId ${ref}`);
      return resolveAlias(state, caller, arn.accountId, arn.resource, describing);
    }
    const keyId = arn.resource.startsWith('key/') ? arn.resource.slice(4) : '';
    const key = state.region(arn.accountId, caller.region).keys.get(keyId);
    if (!key) throw notFoundKey(ref);
    return key;
  }
  if (ref.startsWith('alias/')) {
    if (!options.allowAlias) throw new AwsError('NotFoundException', `Invalid keyId ${ref}`);
    return resolveAlias(state, caller, caller.accountId, ref, describing);
  }
  const key = state.region(caller.accountId, caller.region).keys.get(ref);
  if (!key) throw notFoundKey(`arn:aws:kms:${caller.region}:${caller.accountId}:key/${ref}`);
  return key;
}

function keyMetadata(key: StoredKey): KeyMetadata {
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate,
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage as KeyMetadata['KeyUsage'],
    KeyState: key.keyState as KeyMetadata['KeyState'],
    DeletionDate: key.keyState === 'PendingDeletion' ? key.deletionDate : undefined,
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec as KeyMetadata['CustomerMasterKeySpec'],
    KeySpec: key.keySpec as KeyMetadata['KeySpec'],
    EncryptionAlgorithms: symmetric ? ['SYMMETRIC_DEFAULT'] : undefined,
    MultiRegion: false,
  };
}

function defaultPolicy(key: StoredKey): string {
  const statement =
    key.keyManager === 'AWS'
      ? {
          Sid: 'Allow access through the AWS service for all principals in the account that are authorized to use it',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': key.accountId, 'kms:ViaService': `glue.${key.region}.amazonaws.com` } },
        }
      : {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${key.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        };
  return JSON.stringify({ Version: '2012-10-17', Id: 'key-default-1', Statement: [statement] });
}

function accessDenied(caller: Caller, action: string, resource: string): AwsError {
  return new AwsError(
    'AccessDeniedException',
    `User: ${caller.arn} is not authorized to perform: kms:${action} on resource: ${resource} because no resource-based policy allows the kms:${action} action`,
  );
}

/** Key states in which KMS refuses everything but describe-type calls. */
const UNUSABLE_STATES = new Set(['PendingDeletion', 'PendingReplicaDeletion', 'Unavailable', 'PendingImport']);

export function kmsService(state: SandboxState): Service {
  return jsonRpcService('kms', 'json1.1', {
    DescribeKey(caller, input) {
      const ref = requiredString(input, 'KeyId');
      if (state.isKeyDescribeDenied(ref)) throw accessDenied(caller, 'DescribeKey', ref);
      const key = resolveKey(state, caller, ref, { allowAlias: true, describing: true });
      if (state.isKeyDescribeDenied(key.arn)) throw accessDenied(caller, 'DescribeKey', key.arn);
      return { KeyMetadata: keyMetadata(key) };
    },

    GetKeyRotationStatus(caller, input) {
      const key = resolveKey(state, caller, requiredString(input, 'KeyId'), { allowAlias: false });
      if (UNUSABLE_STATES.has(key.keyState)) {
        throw new AwsError('KMSInvalidStateException', `${key.arn} is ${key.keyState === 'PendingDeletion' ? 'pending deletion' : key.keyState}.`);
      }
      if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
        throw new AwsError(
          'UnsupportedOperationException',
          'You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.',
        );
      }
      return {
        KeyRotationEnabled: key.rotationEnabled,
        KeyId: key.arn,
        RotationPeriodInDays: key.rotationEnabled ? 365 : undefined,
      };
    },

    ListAliases(caller, input) {
      const store = state.region(caller.accountId, caller.region);
      const keyRef = optionalString(input, 'KeyId');
      const targetKeyId = keyRef === undefined ? undefined : resolveKey(state, caller, keyRef, { allowAlias: false }).keyId;
      const aliases = [...store.aliases.values()].filter((a) => targetKeyId === undefined || a.targetKeyId === targetKeyId);
      const page = paginate(aliases, {
        sortKey: (a) => [a.aliasName],
        limit: pageSize(input, 'Limit', 50, 100),
        token: optionalString(input, 'Marker'),
        invalidTokenCode: 'InvalidMarkerException',
      });
      return {
        Aliases: page.items.map((a) => ({
          AliasName: a.aliasName,
          AliasArn: aliasArn(store.scope, a.aliasName),
          TargetKeyId: a.targetKeyId,
          CreationDate: a.creationDate,
          LastUpdatedDate: a.lastUpdatedDate,
        })),
        NextMarker: page.nextToken,
        Truncated: page.nextToken !== undefined,
      };
    },

    ListKeys(caller, input) {
      const page = paginate(state.region(caller.accountId, caller.region).keys.values(), {
        sortKey: (k: StoredKey) => [k.keyId],
        limit: pageSize(input, 'Limit', 100, 1000),
        token: optionalString(input, 'Marker'),
        invalidTokenCode: 'InvalidMarkerException',
      });
      return {
        Keys: page.items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
        NextMarker: page.nextToken,
        Truncated: page.nextToken !== undefined,
      };
    },

    GetKeyPolicy(caller, input) {
      const key = resolveKey(state, caller, requiredString(input, 'KeyId'), { allowAlias: false });
      const policyName = optionalString(input, 'PolicyName') ?? 'default';
      if (policyName !== 'default') throw new AwsError('NotFoundException', `No such policy: ${policyName}`);
      return { Policy: key.policy ?? defaultPolicy(key), PolicyName: 'default' };
    },
  });
}
