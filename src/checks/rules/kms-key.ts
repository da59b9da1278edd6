// Rule 2: the KMS key behind SSE-KMS user data can actually protect it, and is the kind of key
// the policy wants.
//
// What a reader needs, in order:
// - a key pending deletion is the one thing that matters (data becomes unreadable on a date),
//   so it is reported alone;
// - otherwise every reason the key cannot serve (state, region, spec) is listed, since each
//   needs its own fix and fixing one may not be enough;
// - the allowed-keys list is checked for any existing key: it tells whether reviving an
//   unusable key would even be acceptable;
// - AWS-managed and rotation checks are hygiene of a usable key, and are skipped for an
//   unusable one. Rotation is a customer-managed key's concern (AWS rotates its own keys).

import { policyReason, reason } from '../reasons.js';
import type { KeyFacts, Policy, Reason, Rule } from '../types.js';

export const kmsKeyRule: Rule = {
  id: 'kms-key',
  description:
    'The KMS key behind SSE-KMS user data exists, is enabled, lives in the transform\'s region, is a symmetric encryption key, and meets the key policy (customer-managed, allowed, rotated).',
  evaluate(ctx, policy): Reason[] {
    const { userDataMode, kmsKeyId } = ctx.transform?.encryption ?? {};
    if (userDataMode !== 'SSE-KMS' || typeof kmsKeyId !== 'string' || kmsKeyId.trim() === '') return [];

    const lookup = ctx.key;
    switch (lookup?.kind) {
      case 'found':
        return foundKeyReasons(lookup.key, kmsKeyId, ctx.transform.region, policy);
      case 'not-found':
        return [
          reason(
            'KMS_KEY_NOT_FOUND',
            'FAIL',
            `KMS key ${kmsKeyId} was not found: Glue cannot encrypt new data with it, and data it protects cannot be decrypted.`,
          ),
        ];
      case 'access-denied':
        return policyReason(
          policy,
          'KMS_KEY_ACCESS_DENIED',
          `Could not check KMS key ${kmsKeyId}: the bot's role lacks kms:DescribeKey on it, so the key's state, region and rotation are unverified.`,
        );
      case 'error':
        return [
          reason(
            'KMS_KEY_LOOKUP_FAILED',
            'ERROR',
            `Could not check KMS key ${kmsKeyId}: ${lookup.message || 'the lookup failed without a message'}.`,
          ),
        ];
      default:
        // No lookup (or one this rule does not understand): never pass a key nobody looked at.
        return [
          reason(
            'KMS_KEY_LOOKUP_FAILED',
            'ERROR',
            `KMS key ${kmsKeyId} was not looked up, so whether it can protect the transform's data is unknown.`,
          ),
        ];
    }
  },
};

function foundKeyReasons(key: KeyFacts, kmsKeyId: string, transformRegion: string, policy: Policy): Reason[] {
  const label = keyLabel(key, kmsKeyId);
  const state = typeof key.state === 'string' && key.state !== '' ? key.state : 'in an unknown state';

  if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion') {
    const date = isoDate(key.deletionDate);
    return [
      reason(
        'KMS_KEY_PENDING_DELETION',
        'FAIL',
        `Key ${label} is pending deletion (${date ? `deletes ${date}` : 'deletion date unknown'}); data encrypted with it becomes unreadable. Cancel the deletion or move the transform to another key before then.`,
      ),
    ];
  }

  const unusable: Reason[] = [];
  if (state !== 'Enabled') {
    unusable.push(
      reason(
        'KMS_KEY_NOT_ENABLED',
        'FAIL',
        `Key ${label} is ${state}, not Enabled: Glue cannot encrypt or decrypt the transform's data with it.`,
      ),
    );
  }
  const keyRegion = key.region || parseKmsArn(key.arn)?.region;
  if (keyRegion && transformRegion && keyRegion !== transformRegion) {
    unusable.push(
      reason(
        'KMS_KEY_OTHER_REGION',
        'FAIL',
        `Key ${label} is in ${keyRegion} but the transform is in ${transformRegion}: a key of another region cannot serve it.`,
      ),
    );
  }
  const wrongSpec = key.keySpec !== undefined && key.keySpec !== 'SYMMETRIC_DEFAULT';
  const wrongUsage = key.keyUsage !== undefined && key.keyUsage !== 'ENCRYPT_DECRYPT';
  if (wrongSpec || wrongUsage) {
    unusable.push(
      reason(
        'KMS_KEY_NOT_SYMMETRIC',
        'FAIL',
        `Key ${label} is ${key.keySpec ?? 'of unknown spec'} for ${key.keyUsage ?? 'unknown usage'}: Glue needs a SYMMETRIC_DEFAULT key for ENCRYPT_DECRYPT.`,
      ),
    );
  }
  const usable = unusable.length === 0;
  const awsManaged = key.keyManager === 'AWS';

  const choice: Reason[] = [];
  if (usable && awsManaged) {
    choice.push(
      ...policyReason(policy, 'KMS_KEY_AWS_MANAGED', `AWS-managed key ${label}: policy requires a customer-managed key.`),
    );
  }
  const allowed = (policy?.allowedKeys ?? []).filter((k): k is string => typeof k === 'string' && k.trim() !== '');
  if (allowed.length > 0 && !isAllowed(key, kmsKeyId, allowed)) {
    choice.push(
      ...policyReason(
        policy,
        'KMS_KEY_NOT_ALLOWED',
        `Key ${label} is not one of the keys policy allows for user data (${listed(allowed)}).`,
      ),
    );
  }

  const hygiene: Reason[] = [];
  if (usable && !awsManaged) {
    if (key.rotationEnabled === false) {
      hygiene.push(
        ...policyReason(
          policy,
          'KMS_KEY_ROTATION_OFF',
          `Automatic rotation is off for key ${label}: turn it on (kms:EnableKeyRotation).`,
        ),
      );
    } else if (key.rotationEnabled !== true && key.rotationError) {
      hygiene.push(
        ...policyReason(
          policy,
          'KMS_KEY_ROTATION_UNKNOWN',
          `Rotation of key ${label} is unknown: its status could not be read (${key.rotationError}).`,
        ),
      );
    }
  }

  return [...unusable, ...choice, ...hygiene];
}

/** The name a person recognises: the alias the transform uses, else any alias, else the ARN. */
function keyLabel(key: KeyFacts, kmsKeyId: string): string {
  const aliases = stringsOf(key.aliases);
  const given = aliasName(kmsKeyId);
  if (given && aliases.includes(given)) return given;
  return aliases[0] ?? given ?? (key.arn || key.keyId || kmsKeyId);
}

/** Every name the key answers to: ARN, id, aliases (short and ARN form) and the transform's KmsKeyId. */
function keyNames(key: KeyFacts, kmsKeyId: string): Set<string> {
  const names = new Set<string>();
  const add = (name: unknown): void => {
    if (typeof name === 'string' && name.trim() !== '') names.add(name.trim());
  };
  add(kmsKeyId);
  add(aliasName(kmsKeyId));
  add(key.arn);
  add(key.keyId);
  const arn = parseKmsArn(key.arn);
  if (arn?.resource.startsWith('key/')) add(arn.resource.slice('key/'.length));
  for (const alias of stringsOf(key.aliases)) {
    add(alias);
    if (arn) add(`${arn.prefix}${alias}`);
  }
  return names;
}

function isAllowed(key: KeyFacts, kmsKeyId: string, allowed: string[]): boolean {
  const names = keyNames(key, kmsKeyId);
  return allowed.some((entry) => names.has(entry.trim()));
}

/** "alias/x" from "alias/x" or from an alias ARN; undefined for anything else. */
function aliasName(id: string): string | undefined {
  if (id.startsWith('alias/')) return id;
  const resource = parseKmsArn(id)?.resource;
  return resource?.startsWith('alias/') ? resource : undefined;
}

/** arn:<partition>:kms:<region>:<account>:<resource> */
function parseKmsArn(arn: unknown): { prefix: string; region: string; resource: string } | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = /^(arn:[^:]+:kms:([^:]*):[^:]*:)(.+)$/.exec(arn.trim());
  return m ? { prefix: m[1]!, region: m[2]!, resource: m[3]! } : undefined;
}

function stringsOf(values: unknown): string[] {
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** YYYY-MM-DD (UTC) of a Date or date string; undefined when it is not a valid date. */
function isoDate(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : undefined;
}

function listed(names: string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown}, and ${names.length - 3} more` : shown;
}
