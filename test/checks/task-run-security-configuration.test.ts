import { describe, expect, it } from 'vitest';
import { taskRunSecurityConfigurationRule as rule } from '../../src/checks/rules/task-run-security-configuration.js';
import type { SecurityConfigurationFacts } from '../../src/checks/types.js';
import { ALIAS, CONFIG_NAME, codes, context, only, policy, transform, withConfig } from './fixtures.js';

const unnamed = context({
  transform: transform({ userDataMode: 'SSE-KMS', kmsKeyId: ALIAS }),
  securityConfiguration: undefined,
});

describe('task-run security configuration rule', () => {
  it('passes a configuration that encrypts S3 output, logs and bookmarks with KMS', () => {
    expect(rule.evaluate(context(), policy())).toEqual([]);
  });

  describe('no configuration named', () => {
    it('warns by default, in the words a user reads', () => {
      const r = only(rule.evaluate(unnamed, policy()), 'SECURITY_CONFIGURATION_MISSING');
      expect(r.status).toBe('WARN');
      expect(r.message).toBe('No task-run security configuration: task output in S3 is not KMS-encrypted.');
      expect(r.controls).toContain('NIST 800-53 SC-28');
    });

    it('fails or stays quiet as the policy says', () => {
      const fail = rule.evaluate(unnamed, policy({ levels: { SECURITY_CONFIGURATION_MISSING: 'fail' } }));
      expect(only(fail, 'SECURITY_CONFIGURATION_MISSING').status).toBe('FAIL');
      expect(rule.evaluate(unnamed, policy({ levels: { SECURITY_CONFIGURATION_MISSING: 'off' } }))).toEqual([]);
    });

    it('treats a blank name as none', () => {
      const blank = context({ transform: transform({ userDataMode: 'SSE-KMS', kmsKeyId: ALIAS, securityConfigurationName: ' ' }) });
      expect(codes(rule.evaluate(blank, policy()))).toEqual(['SECURITY_CONFIGURATION_MISSING']);
    });
  });

  describe('named but not readable', () => {
    it('fails when the named configuration does not exist', () => {
      const ctx = context({ securityConfiguration: { kind: 'not-found', message: 'EntityNotFoundException' } });
      const r = only(rule.evaluate(ctx, policy()), 'SECURITY_CONFIGURATION_NOT_FOUND');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain(`"${CONFIG_NAME}"`);
      expect(r.message).toContain('does not exist');
    });

    it('warns when the bot may not read it, naming the permission', () => {
      const ctx = context({ securityConfiguration: { kind: 'access-denied', message: 'AccessDeniedException' } });
      const r = only(rule.evaluate(ctx, policy()), 'SECURITY_CONFIGURATION_UNREADABLE');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('glue:GetSecurityConfiguration');
      expect(r.message).toContain(CONFIG_NAME);
    });

    it('warns with the lookup error when reading failed otherwise', () => {
      const ctx = context({ securityConfiguration: { kind: 'error', message: 'ThrottlingException after 5 retries' } });
      const r = only(rule.evaluate(ctx, policy()), 'SECURITY_CONFIGURATION_UNREADABLE');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('ThrottlingException after 5 retries');
    });

    it('does not pass a named configuration nobody read', () => {
      const ctx = context({ securityConfiguration: undefined });
      expect(only(rule.evaluate(ctx, policy()), 'SECURITY_CONFIGURATION_UNREADABLE').status).toBe('WARN');
    });
  });

  describe('S3 output', () => {
    it.each<[string, SecurityConfigurationFacts['s3'], string]>([
      ['DISABLED', [{ mode: 'DISABLED' }], 'S3 encryption: DISABLED'],
      ['no S3 entry', [], 'S3 encryption: not set'],
      ['an unknown mode', [{ mode: 'AES256' }], 'unknown mode "AES256"'],
      ['one entry of several disabled', [{ mode: 'SSE-KMS', kmsKeyArn: 'arn' }, { mode: 'DISABLED' }], 'DISABLED'],
    ])('fails on %s', (_label, s3, words) => {
      const r = only(rule.evaluate(withConfig({ s3 }), policy()), 'TASK_OUTPUT_S3_NOT_ENCRYPTED');
      expect(r.status).toBe('FAIL');
      expect(r.message).toContain(words);
      expect(r.message).toContain(CONFIG_NAME);
    });

    it('can be lowered to a warning or turned off', () => {
      const ctx = withConfig({ s3: [{ mode: 'DISABLED' }] });
      const warn = rule.evaluate(ctx, policy({ levels: { TASK_OUTPUT_S3_NOT_ENCRYPTED: 'warn' } }));
      expect(only(warn, 'TASK_OUTPUT_S3_NOT_ENCRYPTED').status).toBe('WARN');
      expect(rule.evaluate(ctx, policy({ levels: { TASK_OUTPUT_S3_NOT_ENCRYPTED: 'off' } }))).toEqual([]);
    });

    it('does not pile SSE-S3 on top of unencrypted output', () => {
      const reasons = rule.evaluate(withConfig({ s3: [{ mode: 'SSE-S3' }, { mode: 'DISABLED' }] }), policy());
      expect(codes(reasons)).toEqual(['TASK_OUTPUT_S3_NOT_ENCRYPTED']);
    });

    it("warns on SSE-S3 when policy requires SSE-KMS, and says it is the SOP's SSE-S3", () => {
      const r = only(rule.evaluate(withConfig({ s3: [{ mode: 'SSE-S3' }] }), policy()), 'TASK_OUTPUT_S3_SSE_S3');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('SSE-S3');
      expect(r.message).toContain("SOP's");
      expect(r.message).toContain('SSE-KMS');
    });

    it('accepts SSE-S3 when policy accepts it, and fails it when policy says so', () => {
      const ctx = withConfig({ s3: [{ mode: 'SSE-S3' }] });
      expect(rule.evaluate(ctx, policy({ requiredS3Encryption: 'SSE-S3' }))).toEqual([]);
      const fail = rule.evaluate(ctx, policy({ levels: { TASK_OUTPUT_S3_SSE_S3: 'fail' } }));
      expect(only(fail, 'TASK_OUTPUT_S3_SSE_S3').status).toBe('FAIL');
    });

    it('still fails DISABLED when policy accepts SSE-S3', () => {
      const reasons = rule.evaluate(withConfig({ s3: [{ mode: 'DISABLED' }] }), policy({ requiredS3Encryption: 'SSE-S3' }));
      expect(codes(reasons)).toEqual(['TASK_OUTPUT_S3_NOT_ENCRYPTED']);
    });
  });

  describe('CloudWatch logs', () => {
    it('warns when logs are not encrypted, mapped to audit-information protection', () => {
      const r = only(rule.evaluate(withConfig({ cloudWatchMode: 'DISABLED' }), policy()), 'TASK_LOGS_NOT_ENCRYPTED');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('CloudWatch encryption: DISABLED');
      expect(r.controls).toContain('NIST 800-53 AU-9');
    });

    it('treats an absent CloudWatch setting as not encrypted', () => {
      const r = only(rule.evaluate(withConfig({ cloudWatchMode: undefined }), policy()), 'TASK_LOGS_NOT_ENCRYPTED');
      expect(r.message).toContain('not set');
    });

    it('follows policy overrides', () => {
      const ctx = withConfig({ cloudWatchMode: 'DISABLED' });
      expect(only(rule.evaluate(ctx, policy({ levels: { TASK_LOGS_NOT_ENCRYPTED: 'fail' } })), 'TASK_LOGS_NOT_ENCRYPTED').status).toBe('FAIL');
      expect(rule.evaluate(ctx, policy({ levels: { TASK_LOGS_NOT_ENCRYPTED: 'off' } }))).toEqual([]);
    });
  });

  describe('job bookmarks', () => {
    it('warns when bookmarks are not encrypted', () => {
      const r = only(rule.evaluate(withConfig({ jobBookmarksMode: 'DISABLED' }), policy()), 'JOB_BOOKMARKS_NOT_ENCRYPTED');
      expect(r.status).toBe('WARN');
      expect(r.message).toContain('job bookmarks encryption: DISABLED');
    });

    it('follows policy overrides', () => {
      const ctx = withConfig({ jobBookmarksMode: 'DISABLED' });
      expect(only(rule.evaluate(ctx, policy({ levels: { JOB_BOOKMARKS_NOT_ENCRYPTED: 'fail' } })), 'JOB_BOOKMARKS_NOT_ENCRYPTED').status).toBe('FAIL');
      expect(rule.evaluate(ctx, policy({ levels: { JOB_BOOKMARKS_NOT_ENCRYPTED: 'off' } }))).toEqual([]);
    });
  });

  it('lists every weakness of a configuration that encrypts nothing', () => {
    const reasons = rule.evaluate(
      withConfig({ s3: [{ mode: 'DISABLED' }], cloudWatchMode: 'DISABLED', jobBookmarksMode: 'DISABLED' }),
      policy(),
    );
    expect(codes(reasons).sort()).toEqual(['JOB_BOOKMARKS_NOT_ENCRYPTED', 'TASK_LOGS_NOT_ENCRYPTED', 'TASK_OUTPUT_S3_NOT_ENCRYPTED']);
  });

  it('does not throw on a malformed configuration', () => {
    const broken = { name: CONFIG_NAME, s3: null } as unknown as SecurityConfigurationFacts;
    const reasons = rule.evaluate(context({ securityConfiguration: { kind: 'found', config: broken } }), policy());
    expect(codes(reasons)).toContain('TASK_OUTPUT_S3_NOT_ENCRYPTED');
  });
});
