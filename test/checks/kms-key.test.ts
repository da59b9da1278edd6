import { describe, expect, it } from 'vitest';
import { kmsKeyRule as rule } from '../../src/checks/rules/kms-key.js';
import type { KeyFacts, TransformContext } from '../../src/checks/types.js';
import { ACCOUNT, ALIAS, KEY_ARN, KEY_ID, codes, context, only, policy, transform, withKey } from './fixtures.js';

const DELETION = new Date('2026-12-09T10:00:00Z');

describe('KMS key rule', () => {
  it('passes an enabled customer key in the same region with rotation on', () => {
    expect(rule.evaluate(context(), policy())).toEqual([]);
  });

  it('does not apply when user data is not SSE-KMS (that is the user-data rule)', () => {
    const ctx = context({
      transform: transform({ userDataMode: 'DISABLED', kmsKeyId: ALIAS }),
      key: { kind: 'not-found', message: 'gone' },
    });
    expect(rule.evaluate(ctx, policy())).toEqual([]);
    expect(rule.evaluate(context({ transform: transform({ userDataMode: 'SSE-KMS' }), key: undefined }), policy())).toEqual([]);
  });

  describe('looking the key up', () => {
    it('fails when the key does not exist, naming it', () => {
      const r = only(rule.evaluate(context({ key: { kind: 'not-found', message: 'NotFoundException' } }), policy()), 'KMS_KEY_NOT_FOUND');
      expect(r.status).toBe('FAIL');
      expect(r.severity).toBe('HIGH');
      expect(r.message).toContain(ALIAS);
      expect(r.controls).toEqual(expect.arrayContaining(['AWS FSBP Glue.3', 'NIST 800-53 SC-12']));
    });

    it("warns by default when the bot's role lacks kms:DescribeKey", () => {
      const ctx = context({ key: { kind: 'access-denied', message: 'AccessDeniedException' } });
      const r = only(rule.evaluate(ctx, policy()), 'KMS_KEY_ACCESS_DENIED');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain("bot's role lacks kms:DescribeKey");
      expect(r.message).toContain(ALIAS);
    });

    it('follows the policy level for access denied', () => {
      const ctx = context({ key: { kind: 'access-denied', message: 'AccessDeniedException' } });
      expect(only(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ACCESS_DENIED: 'fail' } })), 'KMS_KEY_ACCESS_DENIED').status).toBe('FAIL');
      expect(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ACCESS_DENIED: 'off' } }))).toEqual([]);
    });

    it('reports an ERROR with the cause when the lookup failed otherwise', () => {
      const ctx = context({ key: { kind: 'error', message: 'KMSInternalException: try again' } });
      const r = only(rule.evaluate(ctx, policy()), 'KMS_KEY_LOOKUP_FAILED');
      expect(r.status).toBe('ERROR');
      expect(r.message).toContain('KMSInternalException: try again');
    });

    it('reports an ERROR, not a pass, when the key was never looked up', () => {
      const r = only(rule.evaluate(context({ key: undefined }), policy()), 'KMS_KEY_LOOKUP_FAILED');
      expect(r.status).toBe('ERROR');
      expect(r.message).toContain('not looked up');
    });
  });

  describe('a key pending deletion', () => {
    it('fails CRITICAL with the deletion date and what it means', () => {
      const reasons = rule.evaluate(withKey({ state: 'PendingDeletion', deletionDate: DELETION }), policy());
      const r = only(reasons, 'KMS_KEY_PENDING_DELETION');
      expect(r.status).toBe('FAIL');
      expect(r.severity).toBe('CRITICAL');
      expect(r.message).toContain(`Key ${ALIAS} is pending deletion (deletes 2026-12-09)`);
      expect(r.message).toContain('data encrypted with it becomes unreadable');
      expect(r.controls).toContain('AWS FSBP KMS.3');
    });

    it('is the only thing said about the key, however much else is wrong with it', () => {
      const reasons = rule.evaluate(
        withKey({
          state: 'PendingDeletion',
          deletionDate: DELETION,
          region: 'us-east-1',
          arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`,
          keyManager: 'AWS',
          rotationEnabled: false,
        }),
        policy({ allowedKeys: ['alias/other'] }),
      );
      expect(codes(reasons)).toEqual(['KMS_KEY_PENDING_DELETION']);
    });

    it('says so when the deletion date is unknown or unreadable', () => {
      for (const deletionDate of [undefined, new Date('not a date'), '2026-12-09T00:00:00Z' as unknown as Date]) {
        const r = only(rule.evaluate(withKey({ state: 'PendingDeletion', deletionDate }), policy()), 'KMS_KEY_PENDING_DELETION');
        expect(r.message).toMatch(/deletion date unknown|deletes 2026-12-09/);
      }
    });
  });

  describe('a key that cannot serve', () => {
    it.each(['Disabled', 'PendingImport', 'Unavailable', 'Creating'])('fails when the key is %s, naming the state', (state) => {
      const r = only(rule.evaluate(withKey({ state }), policy()), 'KMS_KEY_NOT_ENABLED');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain(`Key ${ALIAS} is ${state}, not Enabled`);
    });

    it('fails when the key is in another region, naming both', () => {
      const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
      const r = only(rule.evaluate(withKey({ region: 'us-east-1', arn }), policy()), 'KMS_KEY_OTHER_REGION');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain('us-east-1');
      expect(r.message).toContain('eu-west-1');
    });

    it('reads the region from the ARN when the region field is empty', () => {
      const arn = `arn:aws:kms:ap-south-2:${ACCOUNT}:key/${KEY_ID}`;
      expect(codes(rule.evaluate(withKey({ region: '', arn }), policy()))).toEqual(['KMS_KEY_OTHER_REGION']);
    });

    it.each<[string, Partial<KeyFacts>]>([
      ['an asymmetric key', { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' }],
      ['a signing key', { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' }],
      ['an HMAC key', { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }],
    ])('fails on %s, naming its spec', (_label, facts) => {
      const r = only(rule.evaluate(withKey(facts), policy()), 'KMS_KEY_NOT_SYMMETRIC');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain(String(facts.keySpec));
      expect(r.message).toContain('SYMMETRIC_DEFAULT');
    });

    it('lists every reason it cannot serve, and skips rotation for it', () => {
      const reasons = rule.evaluate(
        withKey({ state: 'Disabled', region: 'us-east-1', arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`, rotationEnabled: false }),
        policy(),
      );
      expect(codes(reasons)).toEqual(['KMS_KEY_NOT_ENABLED', 'KMS_KEY_OTHER_REGION']);
    });

    it('still says when an unusable key is not an allowed one', () => {
      const reasons = rule.evaluate(withKey({ state: 'Disabled' }), policy({ allowedKeys: ['alias/approved'] }));
      expect(codes(reasons)).toEqual(['KMS_KEY_NOT_ENABLED', 'KMS_KEY_NOT_ALLOWED']);
    });
  });

  describe('an AWS-managed key', () => {
    const awsKey = (extra: Partial<KeyFacts> = {}): TransformContext =>
      withKey(
        { keyManager: 'AWS', aliases: ['alias/aws/glue'], rotationEnabled: false, ...extra },
        { userDataMode: 'SSE-KMS', kmsKeyId: 'alias/aws/glue' },
      );

    it('fails by default: policy requires a customer-managed key', () => {
      const reasons = rule.evaluate(awsKey(), policy());
      const r = only(reasons, 'KMS_KEY_AWS_MANAGED');
      expect(r.status).toBe('FAIL');
      expect(r.message).toBe('AWS-managed key alias/aws/glue: policy requires a customer-managed key.');
      // AWS rotates its own keys: no rotation reason for them.
      expect(codes(reasons)).toEqual(['KMS_KEY_AWS_MANAGED']);
    });

    it('follows the policy level', () => {
      expect(only(rule.evaluate(awsKey(), policy({ levels: { KMS_KEY_AWS_MANAGED: 'warn' } })), 'KMS_KEY_AWS_MANAGED').status).toBe('WARN');
      expect(rule.evaluate(awsKey(), policy({ levels: { KMS_KEY_AWS_MANAGED: 'off' } }))).toEqual([]);
    });

    it('is not mentioned for a key that cannot serve anyway', () => {
      const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
      expect(codes(rule.evaluate(awsKey({ region: 'us-east-1', arn }), policy()))).toEqual(['KMS_KEY_OTHER_REGION']);
    });
  });

  describe('allowed keys', () => {
    it.each([
      ['key ARN', KEY_ARN],
      ['key id', KEY_ID],
      ['alias', ALIAS],
      ['alias ARN', `arn:aws:kms:eu-west-1:${ACCOUNT}:${ALIAS}`],
    ])('allows a key listed by its %s', (_label, entry) => {
      expect(rule.evaluate(context(), policy({ allowedKeys: ['alias/something-else', entry] }))).toEqual([]);
    });

    it("matches the transform's KmsKeyId itself when the key's aliases are unknown", () => {
      const aliasArn = `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/glue-ml`;
      const ctx = withKey({ aliases: undefined }, { userDataMode: 'SSE-KMS', kmsKeyId: aliasArn });
      expect(rule.evaluate(ctx, policy({ allowedKeys: [aliasArn] }))).toEqual([]);
      // An alias ARN in the transform also answers to its short alias name.
      expect(rule.evaluate(ctx, policy({ allowedKeys: [ALIAS] }))).toEqual([]);
    });

    it('fails by default for a key not on the list, naming the key and the list', () => {
      const r = only(rule.evaluate(context(), policy({ allowedKeys: ['alias/approved'] })), 'KMS_KEY_NOT_ALLOWED');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain(ALIAS);
      expect(r.message).toContain('alias/approved');
    });

    it('does not widen an alias ARN of another account to the same alias name here', () => {
      const elsewhere = `arn:aws:kms:eu-west-1:999999999999:${ALIAS}`;
      expect(codes(rule.evaluate(context(), policy({ allowedKeys: [elsewhere] })))).toEqual(['KMS_KEY_NOT_ALLOWED']);
    });

    it('follows the policy level, and an empty list allows any key', () => {
      const p = (level: 'warn' | 'off') => policy({ allowedKeys: ['alias/approved'], levels: { KMS_KEY_NOT_ALLOWED: level } });
      expect(only(rule.evaluate(context(), p('warn')), 'KMS_KEY_NOT_ALLOWED').status).toBe('WARN');
      expect(rule.evaluate(context(), p('off'))).toEqual([]);
      expect(rule.evaluate(context(), policy({ allowedKeys: [] }))).toEqual([]);
    });
  });

  describe('rotation', () => {
    it('warns by default when rotation is off, mapped to FSBP KMS.4', () => {
      const r = only(rule.evaluate(withKey({ rotationEnabled: false }), policy()), 'KMS_KEY_ROTATION_OFF');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain(ALIAS);
      expect(r.controls).toContain('AWS FSBP KMS.4');
    });

    it('follows the policy level for rotation off', () => {
      const ctx = withKey({ rotationEnabled: false });
      expect(only(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ROTATION_OFF: 'fail' } })), 'KMS_KEY_ROTATION_OFF').status).toBe('FAIL');
      expect(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ROTATION_OFF: 'off' } }))).toEqual([]);
    });

    it('warns when rotation status could not be read, saying why', () => {
      const ctx = withKey({ rotationEnabled: undefined, rotationError: 'AccessDenied on kms:GetKeyRotationStatus' });
      const r = only(rule.evaluate(ctx, policy()), 'KMS_KEY_ROTATION_UNKNOWN');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('AccessDenied on kms:GetKeyRotationStatus');
      expect(only(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ROTATION_UNKNOWN: 'fail' } })), 'KMS_KEY_ROTATION_UNKNOWN').status).toBe('FAIL');
      expect(rule.evaluate(ctx, policy({ levels: { KMS_KEY_ROTATION_UNKNOWN: 'off' } }))).toEqual([]);
    });

    it('says nothing when rotation was not asked about', () => {
      expect(rule.evaluate(withKey({ rotationEnabled: undefined }), policy())).toEqual([]);
    });
  });

  it('names the key by its ARN when it has no alias', () => {
    const ctx = withKey({ aliases: [], state: 'Disabled' }, { userDataMode: 'SSE-KMS', kmsKeyId: KEY_ID });
    expect(only(rule.evaluate(ctx, policy()), 'KMS_KEY_NOT_ENABLED').message).toContain(`Key ${KEY_ARN} is Disabled`);
  });

  it("prefers the alias the transform names when the key has several", () => {
    const ctx = withKey({ aliases: ['alias/legacy', ALIAS], rotationEnabled: false });
    expect(only(rule.evaluate(ctx, policy()), 'KMS_KEY_ROTATION_OFF').message).toContain(ALIAS);
  });

  it('does not throw on odd key facts', () => {
    const odd = { keyId: KEY_ID, arn: 42, aliases: 'alias/x', state: undefined } as unknown as KeyFacts;
    const reasons = rule.evaluate(context({ key: { kind: 'found', key: odd } }), policy({ allowedKeys: [KEY_ID] }));
    expect(codes(reasons)).toEqual(['KMS_KEY_NOT_ENABLED']);
    expect(reasons[0]?.message).toContain('unknown state');
  });
});
