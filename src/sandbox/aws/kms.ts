// AWS KMS (AWS JSON 1.1, X-Amz-Target: TrentService.<Operation>).
// Keys live per account+region: an endpoint only knows its own region's keys, so an ARN naming
// another region is not found, while an ARN naming another account (same region) is resolved there
// (key-management calls, which allow no cross-account use, then refuse it).
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { aliasArn, parseArn } from './arns.js';
import type { Caller } from './auth.js';
import { AwsError, validationError } from './errors.js';
import { optionalNumber, optionalString, pageSize, requiredString, type JsonObject } from './input.js';
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

const DAY_MS = 24 * 60 * 60 * 1000;

/** How the key-state table's error messages name a state: "<key ARN> is pending deletion." */
const STATE_WORDS: Readonly<Record<string, string>> = {
  Disabled: 'disabled',
  PendingDeletion: 'pending deletion',
  PendingImport: 'pending import',
  PendingReplicaDeletion: 'pending replica deletion',
  Unavailable: 'unavailable',
  Creating: 'creating',
  Updating: 'updating',
};

/** The key state table's refusal for a key whose state does not allow the call. */
function invalidState(key: StoredKey): AwsError {
  return new AwsError('KMSInvalidStateException', `${key.arn} is ${STATE_WORDS[key.keyState] ?? key.keyState}.`);
}

function notRotatable(): AwsError {
  return new AwsError(
    'UnsupportedOperationException',
    'You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.',
  );
}

/**
 * A custom rotation period set by EnableKeyRotation (RotationPeriodInDays). The stored key has no
 * member for it, so it lives here, beside the key; absent means the default, 365 days.
 */
const rotationPeriods = new WeakMap<StoredKey, number>();

/** An optional whole number of days within [min, max]; outside is a validation error, as in KMS. */
function daysWithin(input: JsonObject, member: string, min: number, max: number): number | undefined {
  const value = optionalNumber(input, member);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(`Value '${value}' at '${member}' failed to satisfy constraint: Member must have value between ${min} and ${max}`);
  }
  return value;
}

/**
 * The key of a key-management call (DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion,
 * Enable/DisableKeyRotation). The API reference allows only a key ID or key ARN (no alias) and no
 * cross-account use; and an AWS managed key's policy gives its account only Describe*, Get*, List*
 * and RevokeGrant, so any change to one is refused like a key-policy denial.
 */
function managedKey(state: SandboxState, caller: Caller, input: JsonObject, action: string): StoredKey {
  const key = resolveKey(state, caller, requiredString(input, 'KeyId'), { allowAlias: false });
  if (key.accountId !== caller.accountId || key.keyManager === 'AWS') throw accessDenied(caller, action, key.arn);
  return key;
}

/**
 * DisableKey/EnableKey (key state table): allowed when Enabled or Disabled; refused when pending
 * import or pending deletion; accepted for an Unavailable key (custom key store), whose state only
 * changes once the store reconnects, which in the sandbox it never does.
 */
function setEnabled(key: StoredKey, enabled: boolean): void {
  if (key.keyState === 'Enabled' || key.keyState === 'Disabled') key.keyState = enabled ? 'Enabled' : 'Disabled';
  else if (key.keyState !== 'Unavailable') throw invalidState(key);
}

/**
 * Enable/DisableKeyRotation: only symmetric encryption keys in KMS's own key material rotate
 * (UnsupportedOperationException for others, for imported material and for custom key stores);
 * a disabled key answers DisabledException, a key pending deletion KMSInvalidStateException.
 */
function rotatableKey(state: SandboxState, caller: Caller, input: JsonObject, action: string): StoredKey {
  const key = managedKey(state, caller, input, action);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.keyUsage !== 'ENCRYPT_DECRYPT') throw notRotatable();
  if (key.keyState === 'PendingImport') {
    throw new AwsError('UnsupportedOperationException', `${key.arn} origin is EXTERNAL which is not valid for this operation.`);
  }
  if (key.keyState === 'Unavailable') {
    throw new AwsError('UnsupportedOperationException', `${key.arn} is in a custom key store, which is not valid for this operation.`);
  }
  if (key.keyState === 'Disabled') throw new AwsError('DisabledException', `${key.arn} is disabled.`);
  if (key.keyState !== 'Enabled') throw invalidState(key);
  return key;
}

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
      if (UNUSABLE_STATES.has(key.keyState)) throw invalidState(key);
      if (key.keySpec !== 'SYMMETRIC_DEFAULT') throw notRotatable();
      return {
        KeyRotationEnabled: key.rotationEnabled,
        KeyId: key.arn,
        RotationPeriodInDays: key.rotationEnabled ? rotationPeriods.get(key) ?? 365 : undefined,
      };
    },

    DisableKey(caller, input) {
      setEnabled(managedKey(state, caller, input, 'DisableKey'), false);
      return {};
    },

    EnableKey(caller, input) {
      setEnabled(managedKey(state, caller, input, 'EnableKey'), true);
      return {};
    },

    ScheduleKeyDeletion(caller, input) {
      // Documented: 7 to 30 days inclusive, 30 when absent.
      const days = daysWithin(input, 'PendingWindowInDays', 7, 30) ?? 30;
      const key = managedKey(state, caller, input, 'ScheduleKeyDeletion');
      // Key state table: allowed when Enabled, Disabled, PendingImport or Unavailable; refused once pending deletion.
      if (!['Enabled', 'Disabled', 'PendingImport', 'Unavailable'].includes(key.keyState)) throw invalidState(key);
      key.keyState = 'PendingDeletion';
      key.deletionDate = new Date(state.now() + days * DAY_MS);
      return { KeyId: key.arn, DeletionDate: key.deletionDate, KeyState: key.keyState, PendingWindowInDays: days };
    },

    CancelKeyDeletion(caller, input) {
      const key = managedKey(state, caller, input, 'CancelKeyDeletion');
      if (key.keyState !== 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
      // A key whose deletion is cancelled is Disabled, not back to what it was.
      key.keyState = 'Disabled';
      delete key.deletionDate;
      return { KeyId: key.arn };
    },

    DisableKeyRotation(caller, input) {
      const key = rotatableKey(state, caller, input, 'DisableKeyRotation');
      key.rotationEnabled = false;
      rotationPeriods.delete(key);
      return {};
    },

    EnableKeyRotation(caller, input) {
      // Documented: 90 to 2560 days, 365 when absent.
      const period = daysWithin(input, 'RotationPeriodInDays', 90, 2560) ?? 365;
      const key = rotatableKey(state, caller, input, 'EnableKeyRotation');
      key.rotationEnabled = true;
      rotationPeriods.set(key, period);
      return {};
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
