import { describe, expect, it } from 'vitest';
import { evaluateTransform, evaluationError, summarize } from '../../src/checks/evaluate.js';
import { ALL_RULES } from '../../src/checks/index.js';
import type { Finding, Rule, Status } from '../../src/checks/types.js';
import { ACCOUNT, ALIAS, CONFIG_NAME, REGION, codes, config, context, key, policy, transform, withConfig, withKey } from './fixtures.js';

describe('evaluateTransform', () => {
  it('passes a transform with SSE-KMS, a good key and a KMS security configuration, with the controls it satisfies', () => {
    const f = evaluateTransform(context(), policy());
    expect(f.status).toBe('PASS');
    expect(f.severity).toBe('INFORMATIONAL');
    expect(f.reasons).toEqual([]);
    expect(f.controls).toEqual(['AWS FSBP Glue.3', 'NIST 800-53 SC-28']);
    expect(f).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      transformId: 'tfm-7c1e0000000000000000000000000000',
      name: 'customer-dedupe',
      labelCount: 312,
      encryption: { userDataMode: 'SSE-KMS', kmsKeyId: ALIAS, securityConfigurationName: CONFIG_NAME },
    });
  });

  it('uses the default rules when none are given', () => {
    const f = evaluateTransform(context({ transform: transform({ userDataMode: 'DISABLED' }) }), policy());
    expect(codes(f.reasons)).toEqual(['USER_DATA_NOT_ENCRYPTED', 'SECURITY_CONFIGURATION_MISSING']);
    expect(ALL_RULES.map((r) => r.id)).toEqual(['user-data-encryption', 'kms-key', 'task-run-security-configuration']);
  });

  it('combines reasons from several rules: status and severity of the worst, union of controls', () => {
    const f = evaluateTransform(
      context({
        transform: transform({ userDataMode: 'DISABLED' }),
        securityConfiguration: undefined,
      }),
      policy(),
    );
    expect(f.status).toBe('FAIL');
    expect(f.severity).toBe('HIGH');
    expect(f.reasons.map((r) => [r.code, r.status])).toEqual([
      ['USER_DATA_NOT_ENCRYPTED', 'FAIL'],
      ['SECURITY_CONFIGURATION_MISSING', 'WARN'],
    ]);
    expect(f.controls).toEqual(['AWS FSBP Glue.3', 'NIST 800-53 SC-28']);
  });

  it('puts a key pending deletion first, CRITICAL, with KMS.3 among the controls', () => {
    const f = evaluateTransform(
      context({
        key: { kind: 'found', key: key({ state: 'PendingDeletion', deletionDate: new Date('2026-12-09T00:00:00Z') }) },
        securityConfiguration: { kind: 'found', config: config({ cloudWatchMode: 'DISABLED' }) },
      }),
      policy(),
    );
    expect(f.status).toBe('FAIL');
    expect(f.severity).toBe('CRITICAL');
    expect(f.reasons[0]?.code).toBe('KMS_KEY_PENDING_DELETION');
    expect(f.reasons[0]?.message).toContain('deletes 2026-12-09');
    expect(f.controls).toEqual(['AWS FSBP Glue.3', 'AWS FSBP KMS.3', 'NIST 800-53 SC-28', 'NIST 800-53 SC-12', 'NIST 800-53 AU-9']);
  });

  describe('status precedence: FAIL > ERROR > WARN > PASS', () => {
    it('FAIL beats ERROR, and the first reason explains the status even when a lower-status one is more severe', () => {
      const f = evaluateTransform(
        context({
          key: { kind: 'error', message: 'KMSInternalException' },
          securityConfiguration: { kind: 'found', config: config({ jobBookmarksMode: 'DISABLED' }) },
        }),
        policy({ levels: { JOB_BOOKMARKS_NOT_ENCRYPTED: 'fail' } }),
      );
      expect(f.status).toBe('FAIL');
      expect(f.severity).toBe('MEDIUM'); // the ERROR reason's, the highest
      expect(codes(f.reasons)).toEqual(['JOB_BOOKMARKS_NOT_ENCRYPTED', 'KMS_KEY_LOOKUP_FAILED']);
    });

    it('ERROR beats WARN: an unchecked key is not a minor matter', () => {
      const f = evaluateTransform(
        context({ key: { kind: 'error', message: 'KMSInternalException' }, transform: transform({ userDataMode: 'SSE-KMS', kmsKeyId: ALIAS }) }),
        policy(),
      );
      expect(f.status).toBe('ERROR');
      expect(codes(f.reasons)).toEqual(['KMS_KEY_LOOKUP_FAILED', 'SECURITY_CONFIGURATION_MISSING']);
    });

    it('WARN when only warnings remain', () => {
      const f = evaluateTransform(withKey({ rotationEnabled: false }), policy());
      expect(f.status).toBe('WARN');
      expect(f.severity).toBe('MEDIUM');
      expect(f.controls).toEqual(['AWS FSBP KMS.4', 'NIST 800-53 SC-12']);
    });

    it('PASS when the policy turns the only problems off', () => {
      const ctx = withKey({ rotationEnabled: false }, { userDataMode: 'SSE-KMS', kmsKeyId: ALIAS });
      const f = evaluateTransform(
        { ...ctx, securityConfiguration: undefined },
        policy({ levels: { KMS_KEY_ROTATION_OFF: 'off', SECURITY_CONFIGURATION_MISSING: 'off' } }),
      );
      expect(f.status).toBe('PASS');
      expect(f.reasons).toEqual([]);
    });
  });

  it('orders reasons of the same status most severe first, whatever the rule order', () => {
    // kms-key runs before the security-configuration rule, but its reason is less severe.
    const ctx = withKey({ rotationEnabled: undefined, rotationError: 'AccessDenied' }, { userDataMode: 'SSE-KMS', kmsKeyId: ALIAS });
    const f = evaluateTransform({ ...ctx, securityConfiguration: undefined }, policy());
    expect(f.reasons.map((r) => [r.code, r.severity])).toEqual([
      ['SECURITY_CONFIGURATION_MISSING', 'MEDIUM'],
      ['KMS_KEY_ROTATION_UNKNOWN', 'LOW'],
    ]);
  });

  it('turns a rule that throws into an ERROR reason and keeps the other rules', () => {
    const broken: Rule = {
      id: 'broken',
      description: 'always throws',
      evaluate() {
        throw new Error('boom');
      },
    };
    const f = evaluateTransform(withConfig({ cloudWatchMode: 'DISABLED' }), policy(), [broken, ...ALL_RULES]);
    expect(f.status).toBe('ERROR');
    expect(codes(f.reasons)).toEqual(['TRANSFORM_NOT_EVALUATED', 'TASK_LOGS_NOT_ENCRYPTED']);
    expect(f.reasons[0]?.message).toContain('broken');
    expect(f.reasons[0]?.message).toContain('boom');
  });

  it('does not share the echoed encryption object with the input', () => {
    const ctx = context();
    const f = evaluateTransform(ctx, policy());
    f.encryption.kmsKeyId = 'changed';
    expect(ctx.transform.encryption.kmsKeyId).toBe(ALIAS);
  });
});

describe('evaluationError', () => {
  it('reports a transform whose facts could not be gathered as ERROR, with the cause', () => {
    const f = evaluationError(transform(), 'kms:DescribeKey timed out after 3 attempts');
    expect(f.status).toBe('ERROR');
    expect(f.transformId).toBe('tfm-7c1e0000000000000000000000000000');
    expect(f.name).toBe('customer-dedupe');
    expect(codes(f.reasons)).toEqual(['TRANSFORM_NOT_EVALUATED']);
    expect(f.reasons[0]?.message).toContain('kms:DescribeKey timed out after 3 attempts');
    expect(f.severity).toBe('MEDIUM');
  });
});

describe('summarize', () => {
  const withStatus = (status: Status): Finding => ({ ...evaluateTransform(context(), policy()), status });

  it('counts findings by status, every status present', () => {
    const statuses: Status[] = ['FAIL', 'FAIL', 'FAIL', 'WARN', 'WAIVED', 'PASS', 'PASS'];
    expect(summarize(statuses.map(withStatus))).toEqual({ FAIL: 3, ERROR: 0, WARN: 1, WAIVED: 1, PASS: 2 });
    expect(summarize([])).toEqual({ FAIL: 0, ERROR: 0, WARN: 0, WAIVED: 0, PASS: 0 });
  });
});
