// Builders for check tests: a transform that passes every rule by default, overridden per test.

import { DEFAULT_POLICY } from '../../src/checks/policy.js';
import type {
  KeyFacts,
  Policy,
  Reason,
  ReasonCode,
  RuleLevel,
  SecurityConfigurationFacts,
  TransformContext,
  TransformEncryptionFacts,
  TransformFacts,
} from '../../src/checks/types.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const ALIAS = 'alias/glue-ml';
export const CONFIG_NAME = 'glue-encrypt-kms';

export function transform(
  encryption: TransformEncryptionFacts = { userDataMode: 'SSE-KMS', kmsKeyId: ALIAS, securityConfigurationName: CONFIG_NAME },
  extra: Partial<TransformFacts> = {},
): TransformFacts {
  return {
    accountId: ACCOUNT,
    region: REGION,
    transformId: 'tfm-7c1e0000000000000000000000000000',
    name: 'customer-dedupe',
    status: 'READY',
    labelCount: 312,
    encryption,
    ...extra,
  };
}

/** An enabled, customer-managed, symmetric key in the transform's region with rotation on. */
export function key(overrides: Partial<KeyFacts> = {}): KeyFacts {
  return {
    keyId: KEY_ID,
    arn: KEY_ARN,
    region: REGION,
    state: 'Enabled',
    keyManager: 'CUSTOMER',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    aliases: [ALIAS],
    rotationEnabled: true,
    ...overrides,
  };
}

/** A security configuration that encrypts everything with KMS. */
export function config(overrides: Partial<SecurityConfigurationFacts> = {}): SecurityConfigurationFacts {
  return {
    name: CONFIG_NAME,
    s3: [{ mode: 'SSE-KMS', kmsKeyArn: KEY_ARN }],
    cloudWatchMode: 'SSE-KMS',
    jobBookmarksMode: 'CSE-KMS',
    ...overrides,
  };
}

/** A context that passes every rule under the default policy, with parts replaced. */
export function context(overrides: Partial<TransformContext> = {}): TransformContext {
  return {
    transform: transform(),
    key: { kind: 'found', key: key() },
    securityConfiguration: { kind: 'found', config: config() },
    ...overrides,
  };
}

/** Context with the default transform's key lookup replaced by a found key with these facts. */
export function withKey(overrides: Partial<KeyFacts>, encryption?: TransformEncryptionFacts): TransformContext {
  return context({
    ...(encryption ? { transform: transform(encryption) } : {}),
    key: { kind: 'found', key: key(overrides) },
  });
}

export function withConfig(overrides: Partial<SecurityConfigurationFacts>): TransformContext {
  return context({ securityConfiguration: { kind: 'found', config: config(overrides) } });
}

export function policy(overrides: Partial<Omit<Policy, 'levels'>> & { levels?: Partial<Record<ReasonCode, RuleLevel>> } = {}): Policy {
  return {
    ...DEFAULT_POLICY,
    ...overrides,
    levels: { ...DEFAULT_POLICY.levels, ...overrides.levels },
  };
}

export function codes(reasons: Reason[]): ReasonCode[] {
  return reasons.map((r) => r.code);
}

/** The single reason with this code; fails the test when there is none or several. */
export function only(reasons: Reason[], code: ReasonCode): Reason {
  const found = reasons.filter((r) => r.code === code);
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${code}, got [${codes(reasons).join(', ')}]`);
  }
  return found[0]!;
}
