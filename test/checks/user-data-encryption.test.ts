import { describe, expect, it } from 'vitest';
import { userDataEncryptionRule } from '../../src/checks/rules/user-data-encryption.js';
import type { TransformContext, TransformEncryptionFacts } from '../../src/checks/types.js';
import { ALIAS, context, only, policy, transform } from './fixtures.js';

const run = (encryption: TransformEncryptionFacts) =>
  userDataEncryptionRule.evaluate(context({ transform: transform(encryption) }), policy());

describe('user-data encryption rule', () => {
  it('fails when the transform has no MlUserDataEncryption', () => {
    const r = only(run({}), 'USER_DATA_NOT_ENCRYPTED');
    expect(r.status).toBe('FAIL');
    expect(r.severity).toBe('HIGH');
    expect(r.message).toContain('MlUserDataEncryption: not set');
    expect(r.message).toContain('re-created with SSE-KMS');
    expect(r.controls).toEqual(['AWS FSBP Glue.3', 'NIST 800-53 SC-28']);
  });

  it('fails when MlUserDataEncryption is DISABLED, even with a key id lying around', () => {
    const r = only(run({ userDataMode: 'DISABLED', kmsKeyId: ALIAS }), 'USER_DATA_NOT_ENCRYPTED');
    expect(r.status).toBe('FAIL');
    expect(r.message).toContain('MlUserDataEncryption: DISABLED');
  });

  it.each(['SSE-S3', 'sse-kms', 'None', ''])('fails on a mode Glue does not encrypt with (%j), naming it', (mode) => {
    const reasons = run({ userDataMode: mode, kmsKeyId: ALIAS });
    const r = only(reasons, 'USER_DATA_NOT_ENCRYPTED');
    expect(r.status).toBe('FAIL');
    expect(r.message).toContain(`"${mode}"`);
    expect(reasons).toHaveLength(1);
  });

  it('fails on SSE-KMS without a KmsKeyId', () => {
    for (const kmsKeyId of [undefined, '', '   ']) {
      const reasons = run({ userDataMode: 'SSE-KMS', ...(kmsKeyId === undefined ? {} : { kmsKeyId }) });
      const r = only(reasons, 'KMS_KEY_ID_MISSING');
      expect(r.status).toBe('FAIL');
      expect(r.severity).toBe('HIGH');
      expect(r.message).toContain('no KmsKeyId');
      expect(reasons).toHaveLength(1);
    }
  });

  it('is satisfied by SSE-KMS with a key', () => {
    expect(run({ userDataMode: 'SSE-KMS', kmsKeyId: ALIAS })).toEqual([]);
  });

  it('does not throw on odd input: no encryption object, a non-string mode', () => {
    const noEncryption = { transform: { ...transform(), encryption: undefined } } as unknown as TransformContext;
    expect(only(userDataEncryptionRule.evaluate(noEncryption, policy()), 'USER_DATA_NOT_ENCRYPTED').status).toBe('FAIL');

    const numeric = run({ userDataMode: 42 as unknown as string });
    expect(only(numeric, 'USER_DATA_NOT_ENCRYPTED').message).toContain('42');
  });

  it('is not silenced by a policy level: unencrypted user data always fails', () => {
    const p = policy({ levels: { USER_DATA_NOT_ENCRYPTED: 'off', KMS_KEY_ID_MISSING: 'warn' } });
    const ctx = context({ transform: transform({ userDataMode: 'DISABLED' }) });
    expect(only(userDataEncryptionRule.evaluate(ctx, p), 'USER_DATA_NOT_ENCRYPTED').status).toBe('FAIL');
    const noKey = context({ transform: transform({ userDataMode: 'SSE-KMS' }) });
    expect(only(userDataEncryptionRule.evaluate(noKey, p), 'KMS_KEY_ID_MISSING').status).toBe('FAIL');
  });
});
