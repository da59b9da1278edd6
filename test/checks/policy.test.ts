import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, POLICY_CODES, isPolicyCode, resolveLevel } from '../../src/checks/policy.js';
import type { Policy, RuleLevel } from '../../src/checks/types.js';
import { policy } from './fixtures.js';

describe('policy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_POLICY.requiredS3Encryption).toBe('SSE-KMS');
    expect(DEFAULT_POLICY.allowedKeys).toEqual([]);
    const levels = Object.fromEntries(POLICY_CODES.map((code) => [code, resolveLevel(DEFAULT_POLICY, code)]));
    expect(levels).toEqual({
      KMS_KEY_ACCESS_DENIED: 'warn',
      KMS_KEY_AWS_MANAGED: 'fail',
      KMS_KEY_NOT_ALLOWED: 'fail',
      KMS_KEY_ROTATION_OFF: 'warn',
      KMS_KEY_ROTATION_UNKNOWN: 'warn',
      SECURITY_CONFIGURATION_MISSING: 'warn',
      TASK_OUTPUT_S3_NOT_ENCRYPTED: 'fail',
      TASK_OUTPUT_S3_SSE_S3: 'warn',
      TASK_LOGS_NOT_ENCRYPTED: 'warn',
      JOB_BOOKMARKS_NOT_ENCRYPTED: 'warn',
    });
  });

  it('does not let policy control whether unencrypted data or an unusable key fails', () => {
    for (const code of ['USER_DATA_NOT_ENCRYPTED', 'KMS_KEY_NOT_FOUND', 'KMS_KEY_PENDING_DELETION', 'KMS_KEY_LOOKUP_FAILED']) {
      expect(isPolicyCode(code)).toBe(false);
    }
    expect(isPolicyCode('KMS_KEY_ROTATION_OFF')).toBe(true);
  });

  it('uses the configured level, falling back to the default when absent or not a level', () => {
    expect(resolveLevel(policy({ levels: { KMS_KEY_ROTATION_OFF: 'off' } }), 'KMS_KEY_ROTATION_OFF')).toBe('off');
    expect(resolveLevel({ ...DEFAULT_POLICY, levels: {} }, 'KMS_KEY_AWS_MANAGED')).toBe('fail');
    const garbage = { ...DEFAULT_POLICY, levels: { TASK_LOGS_NOT_ENCRYPTED: 'WARN' as RuleLevel } };
    expect(resolveLevel(garbage, 'TASK_LOGS_NOT_ENCRYPTED')).toBe('warn');
    expect(resolveLevel({} as Policy, 'TASK_OUTPUT_S3_NOT_ENCRYPTED')).toBe('fail');
  });

  it('cannot be changed by accident (it is shared by every scan in a warm Lambda)', () => {
    expect(() => {
      DEFAULT_POLICY.allowedKeys.push('alias/x');
    }).toThrow(TypeError);
    expect(() => {
      DEFAULT_POLICY.levels.KMS_KEY_ROTATION_OFF = 'off';
    }).toThrow(TypeError);
    expect(resolveLevel(DEFAULT_POLICY, 'KMS_KEY_ROTATION_OFF')).toBe('warn');
  });
});
